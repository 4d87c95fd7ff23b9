"""The asset graph as a reviewed file: any change to the lineage shows up in the diff.

After an intended change, refresh it with
`BANKING_DW_UPDATE_SNAPSHOT=1 .venv/bin/pytest banking_dw_tests/test_graph_snapshot.py`
and commit banking_dw_tests/snapshots/asset_graph.json with the change.
"""

import json
import os
from pathlib import Path

from banking_dw.definitions import defs

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"


def graph_shape() -> dict[str, dict[str, object]]:
    graph = defs().resolve_asset_graph()
    checks: dict[str, list[str]] = {}
    for check in graph.asset_check_keys:
        checks.setdefault(check.asset_key.to_user_string(), []).append(check.name)
    shape = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        name = key.to_user_string()
        shape[name] = {
            "group": node.group_name,
            "partitioned": type(node.partitions_def).__name__ if node.partitions_def else None,
            "deps": sorted(parent.to_user_string() for parent in node.parent_keys),
            "checks": sorted(checks.get(name, [])),
        }
    return shape


def test_the_asset_graph_equals_the_reviewed_snapshot():
    current = graph_shape()
    if os.environ.get("BANKING_DW_UPDATE_SNAPSHOT"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
    reviewed = json.loads(SNAPSHOT.read_text())
    changed = sorted(name for name in current.keys() | reviewed.keys() if current.get(name) != reviewed.get(name))
    assert not changed, f"the asset graph changed for {changed}; review, then refresh the snapshot (see module doc)"
