"""Staging files (written beside a destination, then renamed over it) that a killed run left are
swept by the next run of the day; a live run's are left to it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from banking_dw.raw_files import RawFiles

from .support import LIVE_STAGING_WRITER, materialize, warehouse_environment

DAY = "2024-01-03"

# A raw step killed half-way through writing a file (the generator's atomic write).
KILLED_WRITING = """
import os, signal, sys
from pathlib import Path
from banking_dw.generator import csv_files

class DiesHalfWay:
    def __init__(self, sink):
        self.sink = sink
    def write(self, data):
        self.sink.write(data[: len(data) // 2])
        self.sink.flush()
        os.kill(os.getpid(), signal.SIGKILL)

csv_files._write_atomically(Path(sys.argv[1]), lambda sink: DiesHalfWay(sink).write(b"x" * 1000))
"""


def staging_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.tmp"))


def test_the_raw_step_sweeps_a_killed_runs_staging_file_and_leaves_a_live_ones(tmp_path):
    data_dir = tmp_path / "data"
    raw_files = RawFiles(data_dir=str(data_dir))
    path = raw_files.path("dim_channels", date.fromisoformat(DAY))
    killed = subprocess.run([sys.executable, "-c", KILLED_WRITING, str(path)], capture_output=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]
    [orphan] = staging_files(path.parent)
    assert orphan.name.startswith(".dim_channels.csv.") and orphan.read_bytes() == b"x" * 500
    live = subprocess.Popen(
        [sys.executable, "-c", LIVE_STAGING_WRITER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        live_staging = Path(live.stdout.readline().decode().strip())

        instance = dg.DagsterInstance.ephemeral()
        with warehouse_environment(data_dir):
            result = materialize('key:"raw/dim_channels"', DAY, instance=instance)

        assert result.success
        assert staging_files(path.parent) == [live_staging]
        said = [e.user_message for e in instance.all_logs(result.run_id) if "staging file" in e.user_message]
        assert said == [f"removed 1 staging file(s) a killed run left: {orphan}"]
        assert path.is_file() and path.read_bytes().startswith(b"channel_id,")
    finally:
        live.kill()
        live.wait()
    assert raw_files.sweep_staging(["dim_channels"], [date.fromisoformat(DAY)]) == [live_staging]
    assert staging_files(path.parent) == []


def test_a_failed_write_removes_its_own_staging_file(tmp_path):
    from banking_dw.generator.csv_files import write_bytes

    path = tmp_path / "raw" / "t.csv"
    with pytest.raises(TypeError):
        write_bytes(object(), path)  # type: ignore[arg-type]
    assert os.listdir(path.parent) == []
