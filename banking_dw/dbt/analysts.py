"""What analysts read, from the dbt manifest: after a successful build of gold or the reports, the
warehouse publishes it where its target needs a copy (WarehouseResource.publish_for_analysts:
DuckDB's own file for analysts; nothing on Redshift, whose roles are the boundary)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import dagster as dg

from banking_dw import settings
from banking_dw.dbt.project import dbt_manifest
from banking_dw.partitions import DayWindow
from banking_dw.warehouse import AnalystRelation, WarehouseResource

# The layers analysts read (a model's `schema` config): gold and the reports. The restricted
# model's schema is `restricted` (dbt_project.yml), so it is never one of them.
ANALYSTS_LAYERS = ("gold", "reports")
_QUOTED_PART = re.compile(r'"((?:[^"]|"")*)"|([^".]+)')


def identifier(relation_name: str) -> str:
    """The table's own name, the last part of dbt's `"database"."schema"."name"`."""
    *_, (quoted_part, bare_part) = _QUOTED_PART.findall(relation_name)
    return quoted_part.replace('""', '"') if quoted_part else bare_part


def _analysts_models(manifest: Mapping[str, Any]) -> Iterable[dict[str, Any]]:
    for node in manifest["nodes"].values():
        if (
            node["resource_type"] == "model"
            and node["config"].get("schema") in ANALYSTS_LAYERS
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


def publish_for_analysts(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, window: DayWindow
) -> dict[str, int] | None:
    """After a successful build that selected a gold or report model, publish what analysts read;
    a build of silver alone, or of the restricted model alone, changes nothing they see."""
    manifest = dbt_manifest()
    selected = {key.path[-1] for key in context.selected_asset_keys}
    if not any(node["name"] in selected for node in _analysts_models(manifest)):
        return None
    return warehouse.publish_for_analysts(window, analysts_relations(manifest), context.log.info)
