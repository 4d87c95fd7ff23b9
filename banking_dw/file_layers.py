"""One pattern for the three file layers (raw, landing, bronze).

Each layer is one step: a multi-asset with an asset per contract table, keyed `[layer, table]`
(banking_dw.layout) and depending on the same table in the layer before, with the layer's checks
on each. The step can be subset (a run may select some tables, or only checks) and covers a whole
range of days in one run, like every asset of the graph. A layer module says only what sets it
apart (`FileLayer`) and what its step does; the specs and the events are made here.

The step is built when the code location loads, with the partitioning of that moment
(banking_dw.partitions.daily_partitions): a layer's decorator gives a builder, not an asset.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import dagster as dg

from banking_dw.check_days import partitioned
from banking_dw.check_outcomes import CheckOutcome, check_results
from banking_dw.contracts import CONTRACTS, Column, TableContract
from banking_dw.layout import asset_key
from banking_dw.partitions import window_for_context

# Builds a layer's step with the code location's partitioning.
StepBuilder = Callable[[dg.PartitionsDefinition], dg.AssetsDefinition]


def personal_tags(column: Column, masked: bool = False) -> dict[str, str]:
    """How the UI marks a personal column on every layer that holds it: the contract's class
    (`personal: direct identifier`) and, where the layer masks it (analysts' gold), the mask."""
    if column.personal is None:
        return {}
    tags = {"personal": column.personal.value}
    if masked and column.mask is not None:
        tags["masked"] = column.mask.value
    return tags


def contract_schema(table: TableContract, types: Callable[[Column], str]) -> dg.TableSchema:
    """The table's columns as the contract states them, with their descriptions and tags, typed
    as the layer stores them."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(c.name, types(c), description=c.description, tags=personal_tags(c)) for c in table.columns
        ]
    )


@dataclass(frozen=True)
class FileLayer:
    """What sets one file layer's step apart from the others'."""

    # The first part of each asset's key, and the assets' group.
    name: str
    # The multi-asset's name, which is also its step's.
    step: str
    kinds: frozenset[str]
    describe: Callable[[TableContract], str]
    check_specs: Callable[[TableContract, dg.AssetKey], list[dg.AssetCheckSpec]]
    # The layer each table's asset is made from, if any.
    upstream: str | None = None
    # True when a table whose day is rejected is left unmaterialised (its blocking check fails).
    skippable: bool = False
    metadata: Callable[[TableContract], Mapping[str, Any]] | None = None

    def key(self, table: str) -> dg.AssetKey:
        return asset_key(self.name, table)

    def spec(self, table: TableContract, partitions: dg.PartitionsDefinition) -> dg.AssetSpec:
        return dg.AssetSpec(
            key=self.key(table.name),
            group_name=self.name,
            deps=[asset_key(self.upstream, table.name)] if self.upstream else [],
            description=self.describe(table),
            partitions_def=partitions,
            kinds=set(self.kinds),
            skippable=self.skippable,
            metadata=self.metadata(table) if self.metadata else None,
        )

    def multi_asset(self) -> Callable[[Callable[..., Any]], StepBuilder]:
        """The decorator of the layer's step: it gives the step's builder. The backfill policy is
        every asset's: the backfill daemon keeps a parent and child in one run only when both have
        the same."""

        def decorate(compute: Callable[..., Any]) -> StepBuilder:
            def build(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
                return dg.multi_asset(
                    name=self.step,
                    specs=[self.spec(t, partitions) for t in CONTRACTS],
                    check_specs=[
                        partitioned(s, partitions) for t in CONTRACTS for s in self.check_specs(t, self.key(t.name))
                    ],
                    can_subset=True,
                    backfill_policy=dg.BackfillPolicy.single_run(),
                )(compute)

            return build

        return decorate

    def results(
        self,
        context: dg.AssetExecutionContext,
        materialized: Iterable[TableContract],
        checked: Iterable[tuple[TableContract, Iterable[CheckOutcome]]],
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckEvaluation]:
        """The step's events: each materialised table's, then the results of the checks the run
        selected, one per day. Metadata reaches the materialisations through
        `context.add_asset_metadata`, so each day's event can carry that day's own."""
        for table in materialized:
            yield dg.MaterializeResult(asset_key=self.key(table.name))
        days: list[date] = []
        for table, outcomes in checked:
            days = days or list(window_for_context(context).days())
            yield from check_results(context, self.key(table.name), outcomes, days)
