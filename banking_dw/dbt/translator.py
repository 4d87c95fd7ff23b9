"""How dbt nodes become Dagster assets and asset checks.

- A model's asset key is [layer, model] and its group is its layer: the folder under models/ it
  lives in (silver, gold or reports), except gold's restricted models (models/gold/restricted/,
  the clear personal values), which are their own layer: key [restricted, model], group and
  schema `restricted`.
- A model's personal columns are tagged from the contract (`personal: direct identifier`, and in
  analysts' gold `masked: <mask>`), so the UI shows what is personal on every layer.
- A model's code reference is its SQL file.
- A dbt test's check keeps dbt's name, is partitioned like its model (each day's verdict is
  recorded, banking_dw.check_days) and says in one line what the test guarantees: the test's
  `description` (the YAML's, for a generic test), or for a singular test without one, the first
  comment line of its SQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

from banking_dw.check_days import partitioned
from banking_dw.contracts import CONTRACTS, TableContract
from banking_dw.file_layers import personal_tags

RESTRICTED = "restricted"
GOLD = "gold"


class BankingDbtTranslator(DagsterDbtTranslator):
    def __init__(self, partitions: dg.PartitionsDefinition | None = None) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_code_references=True))
        self.partitions = partitions

    # The translator is in every dbt asset's metadata: two loads of the code location (or two
    # targets) translate alike when their partitionings are equal.
    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.partitions == self.partitions

    def __hash__(self) -> int:
        return hash((type(self), self.partitions))

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] not in ("model", "seed", "snapshot"):
            return spec
        layer = layer_of(props["fqn"])
        spec = spec.replace_attributes(key=dg.AssetKey([layer, props["name"]]), group_name=layer)
        table = contract_of(manifest, props)
        schema = spec.metadata.get("dagster/column_schema")
        if table is None or schema is None:
            return spec
        tagged = tag_personal_columns(schema, table, masked=layer == GOLD)
        return spec.replace_attributes(metadata={**spec.metadata, "dagster/column_schema": tagged})

    def get_asset_check_spec(
        self, asset_spec: dg.AssetSpec, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetCheckSpec | None:
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        description = check_description(self.get_resource_props(manifest, unique_id))
        if description:
            # Rebuilt through the public constructor, every other attribute as dagster-dbt made it.
            spec = dg.AssetCheckSpec(
                spec.name,
                asset=spec.asset_key,
                description=description,
                additional_deps=spec.additional_deps,
                blocking=spec.blocking,
                metadata=spec.metadata,
                automation_condition=spec.automation_condition,
                partitions_def=spec.partitions_def,
            )
        return partitioned(spec, self.partitions) if self.partitions else spec


def layer_of(fqn: list[str]) -> str:
    """models/<layer>/..., except models/gold/restricted/..., which is `restricted`."""
    return RESTRICTED if fqn[1:3] == [GOLD, RESTRICTED] else fqn[1]


def contract_of(manifest: Mapping[str, Any], model: Mapping[str, Any]) -> TableContract | None:
    """The source table a model holds the rows of: its silver and quarantine models and its gold
    model by name, and a model named after a gold model that reads only its silver model
    (`dim_customer_pii`). None for the reports and other models."""
    name = model["name"]
    for table in CONTRACTS:
        if name in (f"stg_{table.model_name}", f"quarantine_{table.model_name}", table.model_name):
            return table
    parents = {manifest["nodes"].get(parent, {}).get("name") for parent in model.get("depends_on", {}).get("nodes", [])}
    for table in CONTRACTS:
        if name.startswith(table.model_name) and f"stg_{table.model_name}" in parents:
            return table
    return None


def tag_personal_columns(schema: dg.TableSchema, table: TableContract, masked: bool) -> dg.TableSchema:
    """The schema with the contract's class on each personal column and, where the model masks it
    (analysts' gold), the mask."""
    columns = []
    for column in schema.columns:
        declared = next((c for c in table.columns if c.name == column.name), None)
        tags = {**(column.tags or {}), **(personal_tags(declared, masked) if declared else {})}
        columns.append(dg.TableColumn(column.name, column.type, description=column.description, tags=tags or None))
    return dg.TableSchema(columns=columns)


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
