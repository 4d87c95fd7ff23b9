"""The dbt step's completeness gate: nothing of a window is replaced unless every day of it is whole
where the selected models read it.

Silver's incremental models delete their window's days before inserting them again, and gold's
facts do the same from silver, so a build over a day whose files are missing or half-landed would
silently replace good data with less. Before dbt starts, for each day of the window:

- every bronze table a selected model reads, directly or through its validation of references,
  must be published in the lake (the day's manifest names it) with its object the size the
  manifest recorded;
- every silver model a selected model reads but the run does not rebuild must hold, with its
  quarantine, exactly the rows the manifest says the bank sent.

What the bank sent is the manifest landing wrote; both targets read it through the lake and query
the warehouse through its resource.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from banking_dw.contracts import CONTRACTS, contract
from banking_dw.landing.resources import DayManifest, LakeResource, stray_objects
from banking_dw.layout import table_prefix
from banking_dw.partitions import DayWindow
from banking_dw.warehouse import WarehouseResource

PROJECT = "banking_dw"
# Problems listed in the failure before the rest are counted.
SHOWN = 10
STAGING = {f"stg_{t.model_name}": t.name for t in CONTRACTS}


@dataclass
class Upstream:
    """The bronze tables the selected models read, and the silver models they read unrebuilt."""

    bronze_tables: set[str] = field(default_factory=set)
    silver_models: set[str] = field(default_factory=set)


def upstream_of(manifest: Mapping[str, Any], selected_models: Iterable[str]) -> Upstream:
    """The bronze tables and the unselected silver staging models the selected models read."""
    selected = {f"model.{PROJECT}.{name}" for name in selected_models}
    parents = manifest["parent_map"]
    upstream, seen, pending = Upstream(), set(), list(selected)
    while pending:
        node = pending.pop()
        for parent in parents.get(node, []):
            if parent in seen:
                continue
            seen.add(parent)
            kind, _, *_, name = parent.split(".")
            if kind == "source":
                upstream.bronze_tables.add(name)
            else:
                if kind == "model" and parent not in selected and name in STAGING:
                    upstream.silver_models.add(name)
                # Onwards to the sources: a run of gold alone still needs the bank's files whole.
                pending.append(parent)
    return upstream


def unjudged(selected_models: Iterable[str]) -> list[str]:
    """The selected staging and quarantine models whose validated_ model the run would not build:
    they would read the verdict of another window (validated_ is a table each run replaces)."""
    selected = set(selected_models)
    missing = []
    for table in CONTRACTS:
        verdict = f"validated_{table.model_name}"
        readers = sorted({f"stg_{table.model_name}", f"quarantine_{table.model_name}"} & selected)
        if readers and verdict not in selected:
            missing.append(f"{' and '.join(readers)} read(s) {verdict}, which this selection does not build")
    return missing


def lake_gaps(lake: LakeResource, tables: Iterable[str], manifests: Mapping[date, DayManifest]) -> list[str]:
    """Each (table, day) that is not published whole, or whose folder holds an object its manifest
    does not name (Spectrum would read it): one listing per table, not a call per day."""
    gaps = []
    for table in sorted(tables):
        sizes = lake.sizes(table_prefix(table))
        strays = stray_objects(table, sizes, manifests)
        for day, manifest in sorted(manifests.items()):
            if day in strays:
                gaps.append(f"{table} {day}: objects its manifest does not name: {', '.join(strays[day])}")
            entry = manifest.tables.get(table)
            if entry is None:
                gaps.append(f"{table} {day}: not published in the lake (missing, rejected or half-landed)")
            elif sizes.get(entry.key) != entry.size_bytes:
                gaps.append(f"{table} {day}: its published object {entry.key} is missing or changed since")
    return gaps


def silver_count_sql(relations: Mapping[str, tuple[str, str | None]], window: DayWindow) -> str:
    """One query: rows per relation and day of the window. `relations`: name -> (relation, its day
    column), or (relation, None) for a dimension stored as runs, which holds a day's rows as the
    runs covering it."""
    start, end = window.start.isoformat(), window.end.isoformat()
    days = " union all ".join(f"select cast('{day.isoformat()}' as date) as day" for day in window.days())
    parts = []
    for name, (relation, column) in sorted(relations.items()):
        if column is None:
            parts.append(
                f"select '{name}' as relation, days.day, count(*) as row_count from ({days}) as days"
                f" inner join {relation} as runs on runs.first_extract_date <= days.day"
                " and runs.last_extract_date >= days.day group by days.day"
            )
        else:
            parts.append(
                f"select '{name}' as relation, {column} as day, count(*) as row_count from {relation}"
                f" where {column} >= cast('{start}' as date) and {column} < cast('{end}' as date) group by {column}"
            )
    return "\nunion all\n".join(parts)


@dataclass(frozen=True)
class DayReconciliation:
    """One silver model's day: the rows it and its quarantine hold, against what the bank sent."""

    model: str
    day: date
    held: int
    sent: int | None  # None: the day is not published in the lake

    @property
    def whole(self) -> bool:
        return self.sent is not None and self.held == self.sent

    def describe(self) -> str:
        table = STAGING[self.model]
        if self.sent is None:
            return f"{self.model} {self.day}: {table} is not published in the lake"
        return f"{self.model} {self.day}: silver and its quarantine hold {self.held} rows, the bank sent {self.sent}"


def relation_names(manifest: Mapping[str, Any], models: Iterable[str]) -> dict[str, tuple[str, str | None]]:
    """Each staging model and its quarantine -> (relation, day column), for silver_count_sql."""
    nodes, relations = manifest["nodes"], {}
    for model in models:
        quarantine = model.replace("stg_", "quarantine_", 1)
        day_column = "partition_date" if contract(STAGING[model]).is_fact else None
        relations[model] = (nodes[f"model.{PROJECT}.{model}"]["relation_name"], day_column)
        relations[quarantine] = (nodes[f"model.{PROJECT}.{quarantine}"]["relation_name"], "dt")
    return relations


def reconcile_silver(
    warehouse: WarehouseResource,
    manifest: Mapping[str, Any],
    models: Iterable[str],
    manifests: Mapping[date, DayManifest],
    window: DayWindow,
) -> list[DayReconciliation]:
    """Each (silver model, day): its rows plus its quarantine's against the day's manifest, in one
    query. Raises what the warehouse raises when a relation is not built yet."""
    models = sorted(models)
    if not models:
        return []
    counts: dict[tuple[str, date], int] = {}
    for relation, day, row_count in warehouse.query(silver_count_sql(relation_names(manifest, models), window)):
        counts[(relation, as_date(day))] = int(row_count)
    found = []
    for model in models:
        table, quarantine = STAGING[model], model.replace("stg_", "quarantine_", 1)
        for day, day_manifest in sorted(manifests.items()):
            entry = day_manifest.tables.get(table)
            held = counts.get((model, day), 0) + counts.get((quarantine, day), 0)
            found.append(DayReconciliation(model, day, held, None if entry is None else entry.rows))
    return found


def silver_gaps(
    warehouse: WarehouseResource,
    manifest: Mapping[str, Any],
    models: Iterable[str],
    manifests: Mapping[date, DayManifest],
    window: DayWindow,
) -> list[str]:
    """Each (silver model, day) whose rows and quarantined rows differ from what the bank sent."""
    try:
        days = reconcile_silver(warehouse, manifest, models, manifests, window)
    except Exception as error:  # a relation not built yet: silver holds nothing
        return [f"silver cannot be read ({type(error).__name__}: {str(error).splitlines()[0]}); build silver first"]
    return [day.describe() for day in days if not day.whole]


def as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def describe(gaps: list[str]) -> str:
    shown = "; ".join(gaps[:SHOWN]) + (f"; and {len(gaps) - SHOWN} more" if len(gaps) > SHOWN else "")
    return (
        f"completeness gate: the window is not whole, so nothing was replaced: {shown}."
        " Land the missing days (materialise their landing assets), then run again."
    )
