"""A long window's dbt work, one chunk of days after another, reported as one step.

Dagster accepts each output and each check result once per step, and an output of a range run
materialises every day of the range. So chunks before the last keep their events; the last chunk's
events, merged with them, are yielded as they stream (a window of one chunk streams as before).
A chunk that fails yields the check results so far, never an output: the days of the later
chunks were not built.

A re-execution of a failed run skips the chunks its parent runs finished: each finished chunk
leaves a line in the run's log (`CHUNK_FINISHED`), read back through the instance.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import dagster as dg

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


def event_key(event: Any) -> tuple[str, ...] | None:
    """What Dagster accepts once per step: an output's name, a check's key; None for the rest."""
    if isinstance(event, dg.Output):
        return ("output", event.output_name)
    if isinstance(event, dg.AssetCheckResult) and event.asset_key is not None:
        return ("check", event.asset_key.to_user_string(), event.check_name or "")
    return None


def merged_check(earlier: dg.AssetCheckResult, later: dg.AssetCheckResult) -> dg.AssetCheckResult:
    """One check's results over two chunks: it passes if both did; a failure's description and
    metadata are kept, the later's when both failed."""
    if earlier.passed:
        return later
    if later.passed:
        return earlier
    descriptions = [d for d in (earlier.description, later.description) if d]
    return later._replace(description="; ".join(descriptions) or None)


def merged(earlier: Any, later: Any) -> Any:
    """An output is the later chunk's (the table after it); a check, as merged_check."""
    if isinstance(later, dg.AssetCheckResult):
        return merged_check(earlier, later)
    return later


class ChunkEvents:
    """The events of the chunks so far, one per output and check."""

    def __init__(self) -> None:
        self.kept: dict[tuple[str, ...], Any] = {}

    def keep(self, events: Iterable[Any]) -> Iterator[Any]:
        """Keep the outputs and checks of a chunk that is not the last; other events pass on."""
        for event in events:
            key = event_key(event)
            if key is None:
                yield event
            else:
                self.kept[key] = merged(self.kept[key], event) if key in self.kept else event

    def stream_last(self, events: Iterable[Any]) -> Iterator[Any]:
        """The last chunk's events, each merged with what the earlier chunks kept, as they come;
        then what only earlier chunks produced."""
        for event in events:
            key = event_key(event)
            yield merged(self.kept.pop(key), event) if key in self.kept else event
        yield from self.kept.values()
        self.kept.clear()

    def checks_so_far(self) -> Iterator[dg.AssetCheckResult]:
        """After a failed chunk: the check results kept, without any output."""
        yield from (event for event in self.kept.values() if isinstance(event, dg.AssetCheckResult))
        self.kept.clear()
