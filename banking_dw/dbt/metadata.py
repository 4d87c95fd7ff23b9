"""dagster-dbt's event stream, with each model's rows per day and column types on its materialisations.

The counts and types are logged by the models' post-hook (dbt_project/macros/table_metadata.sql),
inside dbt, right after each build, on the connection that built the model. dagster-dbt's
`fetch_row_counts()` / `fetch_column_metadata()` would instead open a connection per model from
the Dagster process, which DuckDB (one writer) allows only after dbt has exited.

An output of a run over a range materialises every day of the range with the output's metadata,
so a day's own row count goes on that day's materialisation (`context.add_asset_metadata` with its
partition); a model that is not per day says so, with its whole table's rows, rather than
repeating its total under every day.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliInvocation

# The macro's log line: this prefix, then the JSON `TableMetadata.from_json` reads.
TABLE_METADATA_PREFIX = "banking_dw table metadata: "
# The publish's log line once it has committed (dbt_project/macros/publish/candidates.sql).
PUBLISH_PREFIX, PUBLISHED_SUFFIX = "banking_dw publish: ", " relation(s) published"


class Published:
    """In the event stream where the chunk's publish committed: from there, what it built is
    what readers see, while dbt still finishes (its artifacts, its process)."""


PUBLISHED = Published()
NOT_PER_DAY = "not per day: rebuilt whole from every day loaded, so each day's materialisation shows the whole table"


@dataclass(frozen=True)
class TableMetadata:
    row_count: int
    columns: list[tuple[str, str]]
    # {YYYY-MM-DD: rows} for every day of the window, and what a day's rows are; None when not per day.
    rows_by_day: dict[str, int] | None
    day_rows_are: str | None

    @classmethod
    def from_json(cls, logged_json: str) -> TableMetadata:
        logged = json.loads(logged_json)
        return cls(
            row_count=int(logged["row_count"]),
            columns=[(name, data_type) for name, data_type in logged["columns"]],
            rows_by_day={day: int(rows) for day, rows in logged["rows_by_day"].items()}
            if logged.get("rows_by_day") is not None
            else None,
            day_rows_are=logged.get("day_rows_are"),
        )

    def column_schema(self, declared: dg.TableSchema | None) -> dg.TableSchema:
        """The columns as the warehouse built them (types as the engine names them), with the
        descriptions and tags the model declares."""
        known = {column.name: column for column in (declared.columns if declared else [])}
        return dg.TableSchema(
            columns=[
                dg.TableColumn(
                    name,
                    data_type.lower(),
                    description=known[name].description if name in known else None,
                    tags=known[name].tags if name in known else None,
                )
                for name, data_type in self.columns
            ]
        )

    def output_metadata(self, declared: dg.TableSchema | None) -> dict[str, Any]:
        """What every day's materialisation of the model carries."""
        metadata: dict[str, Any] = {"dagster/column_schema": self.column_schema(declared)}
        if self.rows_by_day is None:
            metadata.update({"rows_per_day": NOT_PER_DAY, "table_row_count": self.row_count})
        else:
            metadata.update({"day_row_count_is": self.day_rows_are or "", "table_row_count": self.row_count})
        return metadata


def asset_events(invocation: DbtCliInvocation) -> Iterator[Any]:
    """The Dagster events of `invocation`, as `stream()` yields them, with table metadata (each
    day's rows reach that day's materialisation through the invocation's context), and PUBLISHED
    where its publish committed."""
    logged: dict[str, TableMetadata] = {}
    context = invocation.context
    for message in invocation.stream_raw_events():
        event = message.raw_event
        logged_message = event["info"]["msg"] if event["info"]["name"] == "JinjaLogInfo" else ""
        if logged_message.startswith(TABLE_METADATA_PREFIX):
            unique_id = event["data"]["node_info"]["unique_id"]
            logged[unique_id] = TableMetadata.from_json(logged_message.removeprefix(TABLE_METADATA_PREFIX))
            continue
        if logged_message.startswith(PUBLISH_PREFIX) and logged_message.endswith(PUBLISHED_SUFFIX):
            yield PUBLISHED
            continue
        for asset_event in message.to_default_asset_events(
            manifest=invocation.manifest,
            dagster_dbt_translator=invocation.dagster_dbt_translator,
            context=context,
            target_path=invocation.target_path,
            project=invocation.project,
        ):
            yield _with_metadata(asset_event, logged, context)


def _with_metadata(event: Any, logged: Mapping[str, TableMetadata], context: Any) -> Any:
    if not isinstance(event, dg.Output):
        return event
    unique_id = getattr(event.metadata.get("unique_id"), "text", None)
    table = logged.get(unique_id) if unique_id else None
    if table is None:
        return event
    asset_key = context.assets_def.keys_by_output_name[event.output_name]
    declared = context.assets_def.specs_by_key[asset_key].metadata.get("dagster/column_schema")
    for day, rows in (table.rows_by_day or {}).items():
        context.add_asset_metadata({"dagster/row_count": rows}, asset_key=asset_key, partition_key=day)
    return event.with_metadata({**event.metadata, **table.output_metadata(declared)})
