"""How dbt nodes become Dagster assets and asset checks.

- A model's asset key is [layer, model] and its group is its layer: the folder under models/ it
  lives in (silver, gold or reports). The layer is not always the schema: gold's restricted models
  (models/gold/restricted/, the clear personal values) are in gold's group but their own
  `restricted` schema.
- A dbt test's check keeps dbt's name and says in one line what the test guarantees: the test's
  `description` (the YAML's, for a generic test), or for a singular test without one, the first
  comment line of its SQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject


class BankingDbtTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_code_references=False))

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] not in ("model", "seed", "snapshot"):
            return spec
        layer = props["fqn"][1]  # models/<layer>/...
        return spec.replace_attributes(key=dg.AssetKey([layer, props["name"]]), group_name=layer)

    def get_asset_check_spec(
        self, asset_spec: dg.AssetSpec, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetCheckSpec | None:
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        description = check_description(self.get_resource_props(manifest, unique_id))
        if spec is None or not description:
            return spec
        # Rebuilt through the public constructor, every other attribute as dagster-dbt made it.
        return dg.AssetCheckSpec(
            spec.name,
            asset=spec.asset_key,
            description=description,
            additional_deps=spec.additional_deps,
            blocking=spec.blocking,
            metadata=spec.metadata,
            automation_condition=spec.automation_condition,
            partitions_def=spec.partitions_def,
        )


def check_description(test: Mapping[str, Any]) -> str | None:
    """What a dbt test guarantees: its `description`, else the comment its SQL starts with.

    Only a leading `--` comment counts (blank lines before it are skipped): a comment further down
    explains a step of the query, not the test."""
    if (test.get("description") or "").strip():
        return test["description"].strip()
    for line in (test.get("raw_code") or "").splitlines():
        line = line.strip()
        if not line:
            continue
        if not line.startswith("--"):
            return None
        return line.removeprefix("--").strip() or None
    return None
