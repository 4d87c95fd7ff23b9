"""What a check found, and how the layers turn findings into Dagster check results."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

import dagster as dg

from banking_dw.check_days import evaluations

SAMPLE_SIZE = 5


@dataclass
class CheckOutcome:
    name: str
    passed: bool
    description: str
    metadata: dict[str, object] = field(default_factory=dict)
    # The days a failure was found on, where the check can tell; None when it judged its days as a
    # whole (each day then has the outcome's verdict).
    failed_days: frozenset[date] | None = None


def combine(name: str, outcomes: list[CheckOutcome]) -> CheckOutcome:
    """One outcome for a window from the outcomes of its days (or other parts).

    Counts add up, per-partition mappings merge, samples keep the first few; a failure's
    description names every failing part.
    """
    failing = [o for o in outcomes if not o.passed]
    metadata: dict[str, object] = {}
    for outcome in failing or outcomes:
        for key, value in outcome.metadata.items():
            if key not in metadata:
                metadata[key] = list(value)[:SAMPLE_SIZE] if isinstance(value, list) else value
            elif isinstance(value, bool) or not isinstance(value, (int, dict, list)):
                continue
            elif isinstance(value, int):
                metadata[key] = metadata[key] + value
            elif isinstance(value, dict):
                metadata[key] = _merge_counts(metadata[key], value)
            else:
                metadata[key] = (metadata[key] + value)[:SAMPLE_SIZE]
    if failing:
        unknown = any(o.failed_days is None for o in failing)
        days = None if unknown else frozenset().union(*(o.failed_days or () for o in failing))
        return CheckOutcome(name, False, "; ".join(o.description for o in failing), metadata, days)
    return CheckOutcome(name, True, outcomes[0].description, metadata)


def _merge_counts(left: dict, right: dict) -> dict:
    merged = dict(left)
    for key, value in right.items():
        if isinstance(value, int) and isinstance(merged.get(key), int) and not isinstance(value, bool):
            merged[key] = merged[key] + value
        else:
            merged.setdefault(key, value)
    return merged


def check_results(
    context: dg.AssetExecutionContext, asset_key: dg.AssetKey, outcomes: Iterable[CheckOutcome], days: Sequence[date]
) -> Iterator[dg.AssetCheckEvaluation]:
    """The results of the checks the run selected (a subset run may select only some), one per
    check and day (banking_dw.check_days)."""
    selected = [o for o in outcomes if dg.AssetCheckKey(asset_key, o.name) in context.selected_asset_check_keys]
    yield from evaluations(
        context,
        (
            (
                dg.AssetCheckResult(
                    asset_key=asset_key,
                    check_name=outcome.name,
                    passed=outcome.passed,
                    description=outcome.description,
                    metadata=outcome.metadata,
                ),
                days,
                outcome.failed_days,
            )
            for outcome in selected
        ),
    )
