"""`make run`: materialise the whole graph for a window and print one line per step.

`python -m banking_dw.run 2024-01-01...2024-01-07 [--select '*']` runs in this process against the
instance in DAGSTER_HOME (so `make dev` shows the run), exactly as `dagster asset materialize`
would, but prints a line per step (duration, checks passed and failed) instead of every event.
The full event log goes to a file under DAGSTER_HOME whose path is printed; a failure prints the
failing checks or the error.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import dagster as dg

from banking_dw import settings
from banking_dw.charts.assets import CHARTS_PAGE_KEY, charts_page_path
from banking_dw.partitions import parse_window
from banking_dw.schedules import daily_warehouse_job

POLL_SECONDS = 0.5
PROGRESS_PREFIX = "progress:"
QUIET_LOGGING = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


@dataclass
class StepReport:
    name: str
    started: float | None = None
    seconds: float | None = None
    status: str = "running"
    # Checks by name; a check evaluated once per day passed if it passed on every day.
    checks_evaluated: set[str] = field(default_factory=set)
    failed_checks: set[str] = field(default_factory=set)
    error: str | None = None

    @property
    def checks_passed(self) -> int:
        return len(self.checks_evaluated - self.failed_checks)

    def line(self) -> str:
        duration = "" if self.seconds is None else f"{self.seconds:6.1f} s"
        checks = f"checks {self.checks_passed} passed, {len(self.failed_checks)} failed"
        mark = {"succeeded": "ok  ", "failed": "FAIL", "skipped": "skip"}.get(self.status, "    ")
        return f"  {mark} {self.name:<28} {duration:>8}   {checks}"


class RunFollower:
    """Turns a run's event records into step lines and a full text log, as they arrive."""

    def __init__(self, instance: dg.DagsterInstance, run_id: str, out: TextIO, log: TextIO):
        self.instance, self.run_id, self.out, self.log = instance, run_id, out, log
        self.steps: dict[str, StepReport] = {}
        self.cursor: str | None = None
        self.failed_checks: list[str] = []
        self.errors: list[str] = []

    def poll(self) -> None:
        while True:
            connection = self.instance.get_records_for_run(self.run_id, cursor=self.cursor, limit=1000)
            for record in connection.records:
                self._handle(record.event_log_entry)
            self.cursor = connection.cursor
            if not connection.has_more:
                return

    def _step(self, entry) -> StepReport | None:
        if not entry.step_key:
            return None
        return self.steps.setdefault(entry.step_key, StepReport(entry.step_key))

    def _handle(self, entry) -> None:
        stamp = time.strftime("%H:%M:%S", time.localtime(entry.timestamp))
        kind = entry.dagster_event.event_type_value if entry.dagster_event else entry.level
        self.log.write(f"{stamp} {entry.step_key or '-':<24} {kind:<28} {entry.user_message or entry.message}\n")
        event = entry.dagster_event
        step = self._step(entry)
        if event is None:
            if step and entry.user_message.startswith(PROGRESS_PREFIX) and self.out.isatty():
                self.out.write(f"\r       {step.name:<28} {entry.user_message[len(PROGRESS_PREFIX) :].strip()}")
                self.out.flush()
            return
        event_type = event.event_type
        if event_type == dg.DagsterEventType.STEP_START and step:
            step.started = entry.timestamp
        elif event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION and step:
            evaluation = event.asset_check_evaluation_data
            name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
            step.checks_evaluated.add(name)
            if not evaluation.passed:
                # A verdict over several days fails each of them with the same words: said once.
                said = f"{evaluation.severity.value} {name}: {evaluation.description or ''}".strip()
                if said not in self.failed_checks:
                    self.failed_checks.append(said)
                step.failed_checks.add(name)
        elif (
            event_type
            in (
                dg.DagsterEventType.STEP_SUCCESS,
                dg.DagsterEventType.STEP_FAILURE,
                dg.DagsterEventType.STEP_SKIPPED,
            )
            and step
        ):
            step.status = {
                dg.DagsterEventType.STEP_SUCCESS: "succeeded",
                dg.DagsterEventType.STEP_FAILURE: "failed",
                dg.DagsterEventType.STEP_SKIPPED: "skipped",
            }[event_type]
            if step.started is not None:
                step.seconds = entry.timestamp - step.started
            if event_type == dg.DagsterEventType.STEP_FAILURE:
                step.error = root_cause(event.step_failure_data.error)
                self.errors.append(f"{step.name}: {step.error}")
                if event.step_failure_data.error:
                    self.log.write(event.step_failure_data.error.to_string() + "\n")
            if self.out.isatty():
                self.out.write("\r\033[K")
            self.out.write(step.line() + "\n")
            self.out.flush()


def root_cause(error) -> str | None:
    """The innermost error's message: what broke, not the frames Dagster wrapped it in. A
    `dg.Failure` is the project's own answer to the operator, so its class name is left out."""
    if error is None:
        return None
    while error.cause is not None:
        error = error.cause
    message = error.message.strip()
    if error.cls_name == "Failure":
        return message.split(": ", 1)[-1]
    return message


def _follow(follower: RunFollower, done: threading.Event) -> None:
    while not done.wait(POLL_SECONDS):
        follower.poll()


class OperatorError(Exception):
    """A mistake in the command or the environment, answered in one line."""


def instance_home() -> Path:
    """DAGSTER_HOME, which must hold the project's dagster.yaml (without it Dagster would quietly
    use its defaults: another event log, no run monitoring)."""
    home = os.environ.get("DAGSTER_HOME", "").strip()
    if not home:
        raise OperatorError("DAGSTER_HOME is not set: point it at a folder holding deploy/dagster.yaml (make run does)")
    if not (Path(home) / "dagster.yaml").is_file():
        raise OperatorError(f"DAGSTER_HOME={home} has no dagster.yaml: copy deploy/dagster.yaml there (make run does)")
    return Path(home)


@contextlib.contextmanager
def logged_run(command: str) -> Iterator[tuple[dg.DagsterInstance, str, Path, TextIO]]:
    """The instance in DAGSTER_HOME, the id of the run a command is about to launch, and that run's
    log file under DAGSTER_HOME, which receives everything printed meanwhile: dbt's own output and
    library warnings belong there, not on the operator's screen."""
    instance_home()
    instance = dg.DagsterInstance.get()
    run_id = str(uuid.uuid4())
    log_path = Path(instance.root_directory) / "logs" / f"{command}-{run_id}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        log_path.open("w", encoding="utf-8") as log,
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(log),
    ):
        yield instance, run_id, log_path, log


def materialize_window(window: str, selection: str, out: TextIO = sys.stdout) -> int:
    from banking_dw.definitions import defs

    try:
        days = len(parse_window(window))
    except ValueError as error:
        raise OperatorError(str(error)) from None
    first, last = window.split("...") if "..." in window else (window, window)
    first, last = first.strip(), last.strip()
    started = time.monotonic()
    with logged_run("run") as (instance, run_id, log_path, log):
        definitions = defs()
        try:
            keys = dg.AssetSelection.from_string(selection).resolve(definitions.resolve_asset_graph())
        except Exception as error:  # Dagster raises several types for a selection it cannot parse
            raise OperatorError(f"--select {selection!r} is not an asset selection: {error}") from None
        if not keys:
            raise OperatorError(f"--select {selection!r} selects no asset of this graph")
        out.write(f"banking-dw: {len(keys)} assets, {first}...{last} ({days} day(s)), run {run_id[:8]}\n")
        out.flush()
        follower = RunFollower(instance, run_id, out, log)
        done = threading.Event()
        watcher = threading.Thread(target=_follow, args=(follower, done), daemon=True)
        watcher.start()
        try:
            result = definitions.resolve_job_def(daily_warehouse_job.name).execute_in_process(
                run_config=QUIET_LOGGING,
                instance=instance,
                asset_selection=list(keys),
                run_id=run_id,
                raise_on_error=False,
                tags={
                    "dagster/asset_partition_range_start": first,
                    "dagster/asset_partition_range_end": last,
                },
            )
        finally:
            done.set()
            watcher.join()
            follower.poll()
    seconds = time.monotonic() - started
    charts = f"; charts: {charts_page_path().as_uri()}" if CHARTS_PAGE_KEY in keys and result.success else ""
    if result.success and not follower.failed_checks:
        out.write(f"run succeeded in {seconds:.1f} s, every check passed. Full log: {log_path}{charts}\n")
        return 0
    for problem in follower.errors + follower.failed_checks:
        out.write(f"  {problem}\n")
    verdict = "succeeded with failed checks" if result.success else "FAILED"
    out.write(f"run {verdict} in {seconds:.1f} s. Full log: {log_path}; in the UI (`make dev`): run {run_id}{charts}\n")
    return 0 if result.success else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m banking_dw.run", description=__doc__.splitlines()[0])
    parser.add_argument("window", help="first...last day, both included (Dagster's range syntax), or one day")
    parser.add_argument("--select", default="*", help="asset selection (default: the whole graph)")
    arguments = parser.parse_args(argv)
    settings.private_by_default()
    try:
        return materialize_window(arguments.window, arguments.select)
    except (OperatorError, settings.SettingError) as error:
        print(f"banking-dw: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
