"""One verdict per value: the contract's rule (banking_dw.contracts.is_valid_value), the raw
checks' SQL predicate, and silver on DuckDB (safe_cast_text and the quarantine reason it leads to)
agree on every edge value, and so does silver's default (PostgreSQL / Redshift) path on PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb
import pytest

from banking_dw.contracts import Column
from banking_dw.dbt.validation import text_expression, type_rule, typed_expression
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


def _cases(column_type: ColumnType, valid: list[str], invalid: list[str]) -> list[Case]:
    return [Case(t, column_type, True) for t in valid] + [Case(t, column_type, False) for t in invalid]


CASES = [
    # signs, leading zeros, digit bounds (no overflow), decimal points and exponents
    *_cases(C.INTEGER, ["42", "+42", "-42", "007", "999999999"], ["1000000000", "1.5", "1e3", "--1", ""]),
    *_cases(C.BIGINT, ["900000000000000001", "-900000000000000001"], ["9000000000000000001", "12.0"]),
    *_cases(
        C.DECIMAL,
        ["12.50", "12.5", "+5", "-0.01", "1234567890123456.99"],
        ["12345678901234567", "1.234", ".5", "5.", "1e3", "1,5", "abc"],
    ),
    *_cases(C.RATE, ["0.006700", "1.5"], ["0.0000001"]),
    # surrounding spaces are trimmed; other whitespace is not
    *_cases(C.INTEGER, [" 42 "], ["4 2", "\t42"]),
    # booleans in every letter case, nothing else
    *_cases(C.BOOLEAN, ["true", "FALSE", "True", "tRuE"], ["t", "1", "yes"]),
    # the calendar, and the contract's formats only
    *_cases(
        C.DATE,
        ["2024-02-29", "2000-02-29"],
        ["2023-02-29", "1900-02-29", "2023-04-31", "2024-13-01", "2024-1-2", "0999-01-01", "2024-01-02 00:00:00"],
    ),
    *_cases(
        C.TIMESTAMP,
        ["2024-01-02 23:59:59"],
        [
            "2024-01-02 24:00:00",
            "2024-01-02 23:60:00",
            "2024-01-02T09:00:00",
            "2024-01-02 09:00",
            "2024-01-02 09:00:00.5",
            "2023-02-29 10:00:00",
            "2024-01-02",
        ],
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
        column = Column("v", case.type, "A value.")
        rule = type_rule(column)
        selects.append(
            f"select {i} as i, reason is null as passes, typed is not null as casts from ("
            f" select case when {rule.condition} then 'mistyped' end as reason, v__typed as typed from ("
            f"  select v__text, {typed_expression(column)} as v__typed from ("
            f"   select {text_expression(column)} as v__text"
            f"   from (values (1, '{case.text}'), (2, null)) as cases(n, v) where n = 1) as texts) as typed) as judged"
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
