"""A long window's dbt work, one chunk of days after another, reported as one step.

Dagster accepts each output once per step, and an output of a range run materialises every day
of the range. dbt builds candidates and publishes them only at the end of a chunk whose tests all
passed (macros/publish/candidates.sql), so every chunk's outputs are kept and yielded once the last
chunk is published (where its publish's commit shows in dbt's log): the UI never shows a day
materialised that readers do not see. A dbt test
judges its chunk's days: its results are kept with their chunk and recorded per day once the days
are materialised (banking_dw.check_days). A chunk that fails leaves the check results so far,
never an output.

A re-execution of a failed run skips the chunks its parent runs finished: each finished chunk
leaves a line in the run's log (`CHUNK_FINISHED`), read back through the instance.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import dagster as dg

from banking_dw.dbt.metadata import Published
from banking_dw.partitions import DayWindow

CHUNK_FINISHED = "dbt chunk finished: "


def chunk_finished_message(chunk: DayWindow) -> str:
    return f"{CHUNK_FINISHED}{chunk}"


# "Re-execute from asset failure" in the UI tags its run so; "from failure" (and an automatic
# retry) is DagsterRun.is_resume_retry. A run re-executed whole builds every chunk again.
FROM_ASSET_FAILURE_TAG = "dagster/is_asset_resume_retry"


def resumes_a_failure(run: dg.DagsterRun) -> bool:
    return run.is_resume_retry or run.tags.get(FROM_ASSET_FAILURE_TAG) == "true"


def finished_in_parent_runs(instance: dg.DagsterInstance, run: dg.DagsterRun) -> set[str]:
    """The chunks (as `str(DayWindow)`) that the failed runs this one resumes finished."""
    finished: set[str] = set()
    parent_id = run.parent_run_id if resumes_a_failure(run) else None
    while parent_id:
        for record in instance.all_logs(parent_id):
            message = record.user_message or ""
            if message.startswith(CHUNK_FINISHED):
                finished.add(message.removeprefix(CHUNK_FINISHED))
        parent = instance.get_run_by_id(parent_id)
        parent_id = parent.parent_run_id if parent is not None and resumes_a_failure(parent) else None
    return finished


class ChunkEvents:
    """The outputs of the chunks so far, one per output (the table after the latest chunk), and
    every dbt test's result with the chunk of days it judged."""

    def __init__(self) -> None:
        self.outputs: dict[str, dg.Output] = {}
        self.checks: list[tuple[dg.AssetCheckResult, DayWindow]] = []

    def keep(self, events: Iterable[Any], chunk: DayWindow, last: bool = False) -> Iterator[Any]:
        """Keep the outputs and checks of a chunk; other events (logs, observations) pass on. In
        the `last` chunk, the outputs are yielded where its publish committed (PUBLISHED), so Dagster
        records them while dbt finishes rather than after."""
        for event in events:
            if isinstance(event, Published):
                if last:
                    yield from self.published()
            elif isinstance(event, dg.Output):
                self.outputs[event.output_name] = event
            elif isinstance(event, dg.AssetCheckResult):
                self.checks.append((event, chunk))
            else:
                yield event

    def published(self) -> Iterator[dg.Output]:
        """The outputs kept, once every chunk is published (each once: the table after the last)."""
        yield from self.outputs.values()
        self.outputs.clear()

    def failed_errors(self) -> list[dg.AssetCheckResult]:
        """The error-severity checks that failed so far: what held a publish back."""
        return [
            result for result, _ in self.checks if not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
        ]

    def judged(self) -> list[tuple[dg.AssetCheckResult, DayWindow]]:
        """The check results so far, each with its chunk (after a failed chunk: without any output)."""
        checks, self.checks = self.checks, []
        return checks
