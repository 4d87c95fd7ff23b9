"""What analysts read, from the dbt manifest: the relations the analysts' file copies where the
target needs a copy (banking_dw/analysts_file/, WarehouseResource.publish_for_analysts: DuckDB's own
file for analysts; nothing on Redshift, whose roles are the boundary), and their assets."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import dagster as dg

from banking_dw import settings
from banking_dw.dbt.translator import layer_of
from banking_dw.warehouse import AnalystRelation

# Set in dbt_project.yml on what analysts read (gold and the reports, not the restricted model nor
# the reports' daily aggregates); the publish reads the same flag (macros/publish/digests.sql).
ANALYSTS_READ = "analysts_read"
_QUOTED_PART = re.compile(r'"((?:[^"]|"")*)"|([^".]+)')


def identifier(relation_name: str) -> str:
    """The table's own name, the last part of dbt's `"database"."schema"."name"`."""
    *_, (quoted_part, bare_part) = _QUOTED_PART.findall(relation_name)
    return quoted_part.replace('""', '"') if quoted_part else bare_part


def _analysts_models(manifest: Mapping[str, Any]) -> Iterable[dict[str, Any]]:
    for node in manifest["nodes"].values():
        if (
            node["resource_type"] == "model"
            and (node["config"].get("meta") or {}).get(ANALYSTS_READ)
            and node["config"].get("materialized") != "ephemeral"
            and node.get("relation_name")
        ):
            yield node


def analysts_relations(manifest: Mapping[str, Any]) -> list[AnalystRelation]:
    """Every relation analysts read, in the schemas this environment's prefix gives the layers
    (the manifest's relation names carry the prefix it was parsed with)."""
    return sorted(
        (
            AnalystRelation(settings.layer_schema(node["config"]["schema"]), identifier(node["relation_name"]))
            for node in _analysts_models(manifest)
        ),
        key=str,
    )


def analysts_asset_keys(manifest: Mapping[str, Any]) -> list[dg.AssetKey]:
    """The assets of the relations analysts read: [layer, model], as the dbt step names them."""
    return sorted(dg.AssetKey([layer_of(node["fqn"]), node["name"]]) for node in _analysts_models(manifest))
