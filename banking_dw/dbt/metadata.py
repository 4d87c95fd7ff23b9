"""dagster-dbt's event stream, with each model's row count and column types on its output.

The counts and types are logged by the models' post-hook (dbt_project/macros/table_metadata.sql),
inside dbt, right after each build, on the connection that built the model. dagster-dbt's
`fetch_row_counts()` / `fetch_column_metadata()` would instead open a connection per model from
the Dagster process, which DuckDB (one writer) allows only after dbt has exited.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliInvocation

# The macro's log line: this prefix, then {"row_count": n, "columns": [[name, type], ...]}.
TABLE_METADATA_PREFIX = "banking_dw table metadata: "


def asset_events(invocation: DbtCliInvocation) -> Iterator[Any]:
    """The Dagster events of `invocation`, as `stream()` yields them, with table metadata."""
    logged: dict[str, dict[str, Any]] = {}
    for message in invocation.stream_raw_events():
        event = message.raw_event
        if event["info"]["name"] == "JinjaLogInfo" and event["info"]["msg"].startswith(TABLE_METADATA_PREFIX):
            unique_id = event["data"]["node_info"]["unique_id"]
            logged[unique_id] = table_metadata(event["info"]["msg"].removeprefix(TABLE_METADATA_PREFIX))
            continue
        for asset_event in message.to_default_asset_events(
            manifest=invocation.manifest,
            dagster_dbt_translator=invocation.dagster_dbt_translator,
            context=invocation.context,
            target_path=invocation.target_path,
            project=invocation.project,
        ):
            yield _with_metadata(asset_event, logged)


def table_metadata(logged_json: str) -> dict[str, Any]:
    """Dagster's standard table metadata (which the UI shows and plots) from the macro's JSON."""
    logged = json.loads(logged_json)
    return {
        "dagster/row_count": int(logged["row_count"]),
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(name, data_type.lower()) for name, data_type in logged["columns"]]
        ),
    }


def _with_metadata(event: Any, logged: Mapping[str, Mapping[str, Any]]) -> Any:
    if not isinstance(event, dg.Output | dg.AssetMaterialization):
        return event
    unique_id = getattr(event.metadata.get("unique_id"), "text", None)
    extra = logged.get(unique_id) if unique_id else None
    return event.with_metadata({**event.metadata, **extra}) if extra else event
