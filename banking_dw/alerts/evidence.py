"""What an alert points at: how many rows failed, and the query or file that shows them.

dbt tests report `dagster_dbt/failed_row_count` and their `unique_id`; with failures stored, the
manifest names the relation holding the failing rows. Python checks report `failing_rows` and the
file they judged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from banking_dw.dbt.project import dbt_project

ROW_COUNT_KEYS = ("dagster_dbt/failed_row_count", "failing_rows", "failures")
EVIDENCE_KEYS = ("failing_rows_query", "failing_rows_file")


def failed_row_count(metadata: Mapping[str, object]) -> int | None:
    for key in ROW_COUNT_KEYS:
        value = metadata.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def failing_rows_evidence(metadata: Mapping[str, object]) -> str | None:
    for key in EVIDENCE_KEYS:
        if metadata.get(key):
            return str(metadata[key])
    unique_id = metadata.get("unique_id")
    if isinstance(unique_id, str) and unique_id.startswith("test."):
        return dbt_test_evidence(unique_id, dbt_project().manifest_path)
    return None


def dbt_test_evidence(unique_id: str, manifest_path: Path) -> str | None:
    node = _manifest_nodes(manifest_path, _mtime(manifest_path)).get(unique_id)
    if node is None:
        return None
    if node.get("relation_name"):
        return f"select * from {node['relation_name']}"
    return f"dbt test `{node['name']}` defined in dbt_project/{node['original_file_path']}"


def _mtime(path: Path) -> float:
    return path.stat().st_mtime if path.is_file() else 0.0


@cache
def _manifest_nodes(path: Path, mtime: float) -> dict[str, dict]:
    """Cached per manifest version: a re-parse under `dagster dev` changes the mtime."""
    if not mtime:
        return {}
    return json.loads(path.read_text(encoding="utf-8"))["nodes"]
