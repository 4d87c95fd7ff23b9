"""One verdict per value: the contract's rule (banking_dw.contracts.is_valid_value), the raw
checks' SQL predicate, and silver on DuckDB (safe_cast_text and the quarantine reason it leads to)
agree on every edge value, and so does silver's default (PostgreSQL / Redshift) path on PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb
import pytest

from banking_dw.contracts import Column
from banking_dw.dbt.validation import type_rule
from banking_dw.raw.values import invalid_value_predicate
from banking_dw.value_rules import ColumnType, is_valid_value
from banking_dw_tests.test_dbt_project import _dbt
from banking_dw_tests.test_second_engine import _base_env, postgres_env  # noqa: F401 (fixture)

# Builds warehouses with dbt: `make test` runs it, `make test-fast` does not.
pytestmark = pytest.mark.slow


C = ColumnType


@dataclass(frozen=True)
class Case:
    text: str
    type: ColumnType
    valid: bool


CASES = [
    # signs, leading zeros, digit bounds (no overflow), decimal points and exponents
    *(
        Case(t, C.INTEGER, v)
        for t, v in [
            ("42", True),
            ("+42", True),
            ("-42", True),
            ("007", True),
            ("999999999", True),
            ("1000000000", False),
            ("1.5", False),
            ("1e3", False),
            ("--1", False),
            ("", False),
        ]
    ),
    *(
        Case(t, C.BIGINT, v)
        for t, v in [
            ("900000000000000001", True),
            ("-900000000000000001", True),
            ("9000000000000000001", False),
            ("12.0", False),
        ]
    ),
    *(
        Case(t, C.DECIMAL, v)
        for t, v in [
            ("12.50", True),
            ("12.5", True),
            ("+5", True),
            ("-0.01", True),
            ("1234567890123456.99", True),
            ("12345678901234567", False),
            ("1.234", False),
            (".5", False),
            ("5.", False),
            ("1e3", False),
            ("1,5", False),
            ("abc", False),
        ]
    ),
    *(Case(t, C.RATE, v) for t, v in [("0.006700", True), ("1.5", True), ("0.0000001", False)]),
    # surrounding spaces are trimmed; other whitespace is not
    *(Case(t, C.INTEGER, v) for t, v in [(" 42 ", True), ("4 2", False), ("\t42", False)]),
    # booleans in every letter case, nothing else
    *(
        Case(t, C.BOOLEAN, v)
        for t, v in [
            ("true", True),
            ("FALSE", True),
            ("True", True),
            ("tRuE", True),
            ("t", False),
            ("1", False),
            ("yes", False),
        ]
    ),
    # the calendar, and the contract's formats only
    *(
        Case(t, C.DATE, v)
        for t, v in [
            ("2024-02-29", True),
            ("2000-02-29", True),
            ("2023-02-29", False),
            ("1900-02-29", False),
            ("2023-04-31", False),
            ("2024-13-01", False),
            ("2024-1-2", False),
            ("0999-01-01", False),
            ("2024-01-02 00:00:00", False),
        ]
    ),
    *(
        Case(t, C.TIMESTAMP, v)
        for t, v in [
            ("2024-01-02 23:59:59", True),
            ("2024-01-02 24:00:00", False),
            ("2024-01-02 23:60:00", False),
            ("2024-01-02T09:00:00", False),
            ("2024-01-02 09:00", False),
            ("2024-01-02 09:00:00.5", False),
            ("2023-02-29 10:00:00", False),
            ("2024-01-02", False),
        ]
    ),
]
IDS = [f"{c.type.value}:{c.text!r}" for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_contract_rule(case):
    assert is_valid_value(case.text, case.type) is case.valid


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_raw_check_agrees(case):
    invalid = invalid_value_predicate(Column("v", case.type, "A value."))
    assert duckdb.execute(f"select {invalid} from (select ? as v)", [case.text]).fetchone()[0] is not case.valid


def _silver_verdicts(tmp_path, target: str, env: dict[str, str]) -> dict[str, tuple[bool, bool]]:
    """One dbt invocation: each value trimmed and cast as the silver models do, then judged by the
    type rule: (no type reason, casts) per case. Each text comes from a two-row VALUES scan, as from
    a bronze column (PostgreSQL folds a cast of a bare literal at plan time, before CASE guards it)."""
    selects = []
    for i, case in enumerate(CASES):
        rule = type_rule(Column("v", case.type, "A value."))
        selects.append(
            f"select {i} as i, reason is null as passes, typed is not null as casts from ("
            f" select case when {rule.condition} then 'mistyped' end as reason, v__typed as typed from ("
            f"  select v, {{{{ safe_cast_text(\"nullif(trim(v), '')\", '{case.type.value}') }}}} as v__typed"
            f"  from (values (1, '{case.text}'), (2, null)) as cases(n, v) where n = 1) as typed) as judged"
        )
    result = _dbt(
        tmp_path,
        "show",
        "--target",
        target,
        "--quiet",
        "--output",
        "json",
        "--limit",
        str(len(CASES)),
        "--inline",
        " union all ".join(selects),
        env=env,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    shown = json.loads(result.stdout[result.stdout.index("{") :])["show"]
    return {IDS[row["i"]]: (row["passes"], row["casts"]) for row in shown}


# '' is missing, not mistyped: rule 1's business, so neither a cast nor a type reason
SILVER_EXPECTED = {id_: (case.valid or case.text == "", case.valid) for id_, case in zip(IDS, CASES, strict=False)}


def test_silver_on_duckdb_agrees(tmp_path):
    env = {**_base_env(), "BANKING_DW_WAREHOUSE_PATH": str(tmp_path / "wh.duckdb")}
    assert _silver_verdicts(tmp_path, "local", env) == SILVER_EXPECTED


def test_silver_on_postgres_agrees(tmp_path, postgres_env):  # noqa: F811 (the imported fixture)
    assert _silver_verdicts(tmp_path, "postgres", _base_env(**postgres_env)) == SILVER_EXPECTED
