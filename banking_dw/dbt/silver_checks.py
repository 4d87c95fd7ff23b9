"""Silver's checks against what the bank sent, computed after the dbt build in one set-based query
each, through the warehouse resource (both targets), instead of one dbt node per table:

- `reconciles_with_landed` (error) on each stg_ model: per day of the window, its rows plus its
  quarantine's equal the rows the day's manifest says the bank sent; a day not published fails.
- `quarantine_is_empty` (warning) on each quarantine_ model: the rows quarantined in the window,
  counted per rule in the check's metadata and named in its description (rules carry no value, so
  no personal data reaches an alert).

The dbt step's completeness gate (banking_dw/dbt/completeness.py) stops a build over a day that is
not whole before anything is replaced; these checks then prove the build kept every row.

Each check is recorded once per day of the window, naming its day (banking_dw/check_days.py): a
day fails when its own rows do not reconcile, or when it has quarantined rows.
"""

from collections import defaultdict
from collections.abc import Iterator
from datetime import date

import dagster as dg

from banking_dw.check_days import evaluations, partitioned
from banking_dw.contracts import CONTRACTS, TableContract
from banking_dw.dbt.completeness import as_date, reconcile_silver
from banking_dw.dbt.project import dbt_manifest
from banking_dw.landing.resources import LakeResource
from banking_dw.partitions import DayWindow, window_for_context
from banking_dw.warehouse import WarehouseResource

SILVER = "silver"
RECONCILES_WITH_LANDED = "reconciles_with_landed"
QUARANTINE_IS_EMPTY = "quarantine_is_empty"
# Rules named in a failing check's description before the rest are counted.
RULES_SHOWN = 5


def staging_key(table: TableContract) -> dg.AssetKey:
    return dg.AssetKey([SILVER, f"stg_{table.model_name}"])


def quarantine_key(table: TableContract) -> dg.AssetKey:
    return dg.AssetKey([SILVER, f"quarantine_{table.model_name}"])


def check_specs(partitions: dg.PartitionsDefinition) -> list[dg.AssetCheckSpec]:
    specs = []
    for table in CONTRACTS:
        specs.append(
            dg.AssetCheckSpec(
                RECONCILES_WITH_LANDED,
                asset=staging_key(table),
                description=(
                    "Per day: these rows plus the quarantine's equal the rows the bank sent (the day's manifest)."
                ),
            )
        )
        specs.append(
            dg.AssetCheckSpec(
                QUARANTINE_IS_EMPTY,
                asset=quarantine_key(table),
                description="No row of the day broke a rule (a warning: good rows still flow on).",
            )
        )
    return [partitioned(spec, partitions) for spec in specs]


def quarantine_rules_sql(relations: dict[str, str], window: DayWindow) -> str:
    """Quarantined rows per relation, day and rule in the window, in one query."""
    start, end = window.start.isoformat(), window.end.isoformat()
    return "\nunion all\n".join(
        f"select '{name}' as relation, dt, quarantine_rule, count(*) as row_count from {relation}"
        f" where dt >= cast('{start}' as date) and dt < cast('{end}' as date) group by dt, quarantine_rule"
        for name, relation in sorted(relations.items())
    )


def silver_checks_for(partitions: dg.PartitionsDefinition) -> dg.AssetChecksDefinition:
    """The checks, partitioned like the assets they judge (the partitions begin at the first day the
    code location loads with)."""

    @dg.multi_asset_check(name="silver_checks", specs=check_specs(partitions), can_subset=True)
    def silver_checks(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, lake: LakeResource
    ) -> Iterator[dg.AssetCheckEvaluation]:
        yield from evaluations(context, _verdicts(context, warehouse, lake))

    return silver_checks


def _verdicts(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, lake: LakeResource
) -> Iterator[tuple[dg.AssetCheckResult, list[date], set[date]]]:
    """Each selected check's result over the window, the window's days and the days that failed."""
    window = window_for_context(context)
    days = list(window.days())
    selected = {(key.asset_key, key.name) for key in context.selected_asset_check_keys}
    reconciled = [t for t in CONTRACTS if (staging_key(t), RECONCILES_WITH_LANDED) in selected]
    quarantined = [t for t in CONTRACTS if (quarantine_key(t), QUARANTINE_IS_EMPTY) in selected]
    manifest = dbt_manifest()
    if reconciled:
        manifests = {day: lake.manifest(day) for day in days}
        by_model = defaultdict(list)
        for day in reconcile_silver(
            warehouse, manifest, [f"stg_{t.model_name}" for t in reconciled], manifests, window
        ):
            by_model[day.model].append(day)
        for table in reconciled:
            model_days = by_model[f"stg_{table.model_name}"]
            yield (
                _reconciliation_result(table, model_days),
                days,
                {day.day for day in model_days if not day.whole},
            )
    if quarantined:
        relations = {
            f"quarantine_{t.model_name}": manifest["nodes"][f"model.banking_dw.quarantine_{t.model_name}"][
                "relation_name"
            ]
            for t in quarantined
        }
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        days_with_rows: dict[str, set[date]] = defaultdict(set)
        for relation, day, rule, row_count in warehouse.query(quarantine_rules_sql(relations, window)):
            counts[relation][rule] += int(row_count)
            days_with_rows[relation].add(as_date(day))
        for table in quarantined:
            model = f"quarantine_{table.model_name}"
            yield _quarantine_result(table, counts[model], relations[model], window), days, days_with_rows[model]


def _reconciliation_result(table: TableContract, days: list) -> dg.AssetCheckResult:
    broken = [day for day in days if not day.whole]
    sent = {day.day.isoformat(): day.sent for day in days}
    return dg.AssetCheckResult(
        asset_key=staging_key(table),
        check_name=RECONCILES_WITH_LANDED,
        passed=not broken,
        description=(
            "; ".join(day.describe() for day in broken)
            if broken
            else f"stg_{table.model_name}: every day's rows and quarantine equal what the bank sent"
        ),
        metadata={"rows_sent_by_day": sent, "days_not_whole": len(broken)},
    )


def _quarantine_result(
    table: TableContract, rules: dict[str, int], relation: str, window: DayWindow
) -> dg.AssetCheckResult:
    total = sum(rules.values())
    ranked = sorted(rules.items(), key=lambda item: (-item[1], item[0]))
    named = ", ".join(f"{rule} ({rows})" for rule, rows in ranked[:RULES_SHOWN])
    more = f" and {len(ranked) - RULES_SHOWN} more rule(s)" if len(ranked) > RULES_SHOWN else ""
    model = f"quarantine_{table.model_name}"
    return dg.AssetCheckResult(
        asset_key=quarantine_key(table),
        check_name=QUARANTINE_IS_EMPTY,
        passed=total == 0,
        severity=dg.AssetCheckSeverity.WARN,
        description=(
            f"{model}: {total} row(s) quarantined: {named}{more}" if total else f"{model}: no row quarantined"
        ),
        metadata={
            "failing_rows": total,
            "rows_by_rule": dict(ranked),
            "failing_rows_query": (
                f"select dt, {', '.join(table.key)}, quarantine_rule, quarantine_reason from {relation}"
                f" where dt >= date '{window.start}' and dt < date '{window.end}'"
            ),
        },
    )
