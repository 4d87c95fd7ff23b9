"""The dbt project's SQL for Redshift, proven offline: every model, test and hook compiles for the
redshift target without a connection, and none of it uses a DuckDB-only construct. Also the
on-run-start hook that creates Spectrum's dev_bronze external schema."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from banking_dw.settings import MASKING_KEY_ENV
from banking_dw_tests.support import TEST_MASKING_KEY, run_dbt

# Builds warehouses with dbt: `make test` runs it, `make test-fast` does not.
pytestmark = pytest.mark.slow


ROLE_ARN = "arn:aws:iam::123456789012:role/banking-dw-spectrum"

# DuckDB functions and syntax that Redshift does not have (name -> pattern, case-insensitive).
DUCKDB_ONLY = {
    "list(...)": r"\blist\s*\(",
    "list_* functions": r"\blist_\w+\s*\(",
    "regexp_full_match": r"\bregexp_full_match\s*\(",
    "regexp_matches": r"\bregexp_matches\s*\(",
    "regexp_extract": r"\bregexp_extract\s*\(",
    "strftime / strptime": r"\bstr[fp]time\s*\(",
    "read_csv / read_parquet / read_json": r"\bread_(csv|csv_auto|parquet|json)\w*\s*\(",
    "try_cast": r"\btry_cast\s*\(",
    "struct literal {'...'}": r"\{\s*'",
    "struct_pack / struct_extract": r"\bstruct_\w+\s*\(",
    "epoch_ms / epoch_us / epoch_ns": r"\bepoch_(ms|us|ns)\s*\(",
    "date_diff / date_add / date_sub (Redshift: datediff / dateadd)": r"\bdate_(diff|add|sub)\s*\(",
    "make_date / make_timestamp": r"\bmake_(date|time|timestamp)\w*\s*\(",
    "count_if / arg_max / arg_min": r"\b(count_if|arg_max|arg_min)\s*\(",
    "string_agg / array_agg (Redshift: listagg)": r"\b(string_agg|array_agg)\s*\(",
    "unnest / generate_series": r"\b(unnest|generate_series)\s*\(",
    "select * exclude / replace": r"\*\s*(exclude|replace)\s*\(",
    "DuckDB-only :: cast (nested, unsigned or huge types)": (
        r"::\s*((struct|map|union|list|json|blob|hugeint|uhugeint|ubigint|uinteger|usmallint|utinyint)\b"
        r"|\w+\s*\[\s*\])"
    ),
    "DuckDB-only type name": r"\b(hugeint|uhugeint|ubigint|uinteger|usmallint|utinyint)\b",
    "sha256 (Redshift: sha2(..., 256))": r"\bsha256\s*\(",
}


def duckdb_only_constructs(sql: str) -> list[str]:
    """The DuckDB-only constructs used in `sql` (comments ignored), by name."""
    code = re.sub(r"/\*.*?\*/", " ", sql, flags=re.DOTALL)
    code = re.sub(r"--[^\n]*", " ", code)
    return [name for name, pattern in DUCKDB_ONLY.items() if re.search(pattern, code, flags=re.IGNORECASE)]


def _offline_env(**overrides: str) -> dict[str, str]:
    """No Redshift or AWS settings inherited from the caller: what compiles here compiles anywhere."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("REDSHIFT_", "BANKING_DW_REDSHIFT_", "BANKING_DW_GLUE_", "AWS_"))
    }
    env.pop("BANKING_DW_TARGET", None)
    env[MASKING_KEY_ENV] = TEST_MASKING_KEY
    env.update(overrides)
    return env


def _compile(target_path: Path, target: str, *args: str, env: dict[str, str] | None = None) -> str:
    """`dbt compile` without a connection into `target_path`; returns its standard output."""
    result = run_dbt(
        target_path,
        "compile",
        "--target",
        target,
        "--no-introspect",
        "--no-populate-cache",
        *args,
        env=env or _offline_env(),
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return result.stdout


def _compiled_sql(target_path: Path) -> dict[str, str]:
    """Every compiled statement: models, tests and hooks (target/compiled), and target/run if any."""
    files = sorted((target_path / "compiled").rglob("*.sql")) + sorted((target_path / "run").rglob("*.sql"))
    return {str(p.relative_to(target_path)): p.read_text() for p in files}


def _hook_sql(target_path: Path) -> list[str]:
    manifest = json.loads((target_path / "manifest.json").read_text())
    hooks = [n for n in manifest["nodes"].values() if n["resource_type"] == "operation"]
    return [n["compiled_code"] for n in sorted(hooks, key=lambda n: n["unique_id"])]


@pytest.fixture(scope="module")
def redshift_target(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("redshift")
    _compile(target, "aws")
    return target


# --------------------------------------------------------------------------- the scanner can fail


@pytest.mark.parametrize(
    "planted",
    [
        "select list(account_id) from t",
        "select list_distinct(x) from t",
        "select * from t where regexp_full_match(x, '[0-9]+')",
        "select regexp_matches(x, 'a')",
        "select strftime(ts, '%Y-%m-%d')",
        "create view v as select * from read_csv('lake/*.csv')",
        "select try_cast(x as integer)",
        "select {'a': 1} as s",
        "select epoch_ms(ts)",
        "select x::hugeint",
        "select x::varchar[]",
        "select * exclude (x) from t",
        "select date_diff('day', a, b)",
        "select string_agg(x, ',') from t",
    ],
)
def test_scanner_catches_a_planted_duckdb_construct(planted):
    assert duckdb_only_constructs(planted), planted


def test_scanner_accepts_portable_sql_and_ignores_comments():
    portable = """
        -- strftime and try_cast in a comment are fine
        select cast(x as integer), x::integer, md5(cast(id as varchar) || '|'),
               case when x ~ '^[0-9]+$' then cast(x as bigint) end,
               dateadd(day, 1, d), datediff(day, a, b), listagg(x, ','), to_char(d, 'YYYY-MM-DD')
        from dev_bronze.t /* regexp_full_match( */
    """
    assert duckdb_only_constructs(portable) == []


@pytest.fixture(scope="module")
def local_target(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The local (DuckDB) target compiled once, with a Spectrum role set as a user's shell may have
    it; (target folder, environment)."""
    data_dir = tmp_path_factory.mktemp("local")
    env = _offline_env(BANKING_DW_REDSHIFT_IAM_ROLE_ARN=ROLE_ARN, BANKING_DW_DATA_DIR=str(data_dir))
    target = data_dir / "target"
    _compile(target, "local", "--select", "validated_fact_transaction", env=env)
    return target, env


def test_compiled_duckdb_sql_is_caught(local_target):
    """The same compile-and-scan path fails on DuckDB SQL: the check is not vacuous."""
    target, _ = local_target
    found = {name for sql in _compiled_sql(target).values() for name in duckdb_only_constructs(sql)}
    assert {"try_cast", "regexp_full_match"} <= found


# --------------------------------------------------------------------------- the redshift target


def test_every_model_and_test_compiles_for_redshift(redshift_target):
    manifest = json.loads((redshift_target / "manifest.json").read_text())
    nodes = [n for n in manifest["nodes"].values() if n["resource_type"] in ("model", "test", "operation")]
    assert nodes
    uncompiled = [n["unique_id"] for n in nodes if not (n.get("compiled") and n.get("compiled_code") is not None)]
    assert uncompiled == []
    # compiled_code of ephemeral-free projects is what target/compiled holds, one file per node
    assert len(_compiled_sql(redshift_target)) >= len(nodes) - sum(
        1 for n in nodes if n["resource_type"] == "operation"
    )


def test_redshift_sql_has_no_duckdb_only_constructs(redshift_target):
    offending = {
        path: found for path, sql in _compiled_sql(redshift_target).items() if (found := duckdb_only_constructs(sql))
    }
    assert offending == {}


def test_analysts_pseudonyms_are_keyed_with_redshifts_sha2(redshift_target):
    """The keyed hash on Redshift: sha2(text, 256), the hex SHA-256 DuckDB's sha256 and PostgreSQL's
    sha256 give (test_second_engine compares the values), of the key read at execution and the value."""
    [sql] = [sql for path, sql in _compiled_sql(redshift_target).items() if path.endswith("/dim_customer.sql")]
    assert sql.count("sha2(") == 2 and "md5(" not in sql
    assert sql.count(f"'{TEST_MASKING_KEY}:'") == 2


def test_an_erasure_redacts_free_text_with_redshifts_regexp_replace(tmp_path, redshift_target):
    """Redshift's regexp_replace takes a position and 'i' (it replaces every match); a text's
    characters that are regular-expression syntax are bracketed, those that cannot be (\\ ^ [ ])
    match any character, so no backslash reaches a Redshift string."""
    inline = """{{ redact_texts('description', ["O'Neil Ann", 'ann.o+x@ma-il.example', 'a^b'], '[erased]') }}"""
    stdout = _compile(tmp_path, "aws", "--inline", inline, "--output", "json", "--quiet", env=_offline_env())
    assert json.loads(stdout)["compiled"].strip() == (
        "regexp_replace(description, 'O['']Neil Ann|ann[.]o[+]x[@]ma[-]il[.]example|a.b', '[erased]', 1, 'i')"
    )


# --------------------------------------------------------------------------- dev_bronze external schema


def _normalised(sql: str) -> str:
    return " ".join(sql.split())


def _render_hook_macro(tmp_path: Path, target: str, env: dict[str, str]) -> str:
    """What create_bronze_external_schema() renders to on `target`, through `dbt compile --inline`."""
    stdout = _compile(
        tmp_path, target, "--inline", "{{ create_bronze_external_schema() }}", "--output", "json", "--quiet", env=env
    )
    return json.loads(stdout)["compiled"]


def test_external_schema_ddl_names_the_configured_database_role_and_region(tmp_path, redshift_target):
    # A copy of the module's compiled project: dbt's partial parse spares a second full parse.
    target = shutil.copytree(redshift_target, tmp_path / "target")
    env = _offline_env(
        BANKING_DW_GLUE_DATABASE="bank_glue",
        BANKING_DW_REDSHIFT_IAM_ROLE_ARN=ROLE_ARN,
        AWS_REGION="eu-west-1",
    )
    assert _normalised(_render_hook_macro(target, "aws", env)) == (
        "create external schema if not exists dev_bronze from data catalog database 'bank_glue'"
        f" region 'eu-west-1' iam_role '{ROLE_ARN}'"
    )


def test_external_schema_defaults_compile_without_credentials(redshift_target):
    """Glue database banking_dw_bronze by default; no region clause unless one is set; the role is
    a visible placeholder (a run stops on it instead of sending it to Redshift)."""
    [hook] = [h for h in _hook_sql(redshift_target) if "external schema" in h]
    assert _normalised(hook).startswith(
        "create external schema if not exists dev_bronze from data catalog database 'banking_dw_bronze' iam_role '"
    )
    assert "region" not in hook
    assert "set-BANKING_DW_REDSHIFT_IAM_ROLE_ARN" in hook


def test_external_schema_ddl_is_empty_on_the_local_target(tmp_path, local_target):
    # A copy of the module's local project: dbt's partial parse spares another full parse.
    target, env = local_target
    assert _render_hook_macro(shutil.copytree(target, tmp_path / "target"), "local", env).strip() == ""


def test_external_schema_ddl_is_empty_on_postgres(tmp_path):
    env = _offline_env(BANKING_DW_REDSHIFT_IAM_ROLE_ARN=ROLE_ARN, BANKING_DW_DATA_DIR=str(tmp_path))
    assert _render_hook_macro(tmp_path, "postgres", env).strip() == ""


# --------------------------------------------------------------------------- roles


def test_each_role_is_granted_its_tables_and_schemas_on_redshift(tmp_path, redshift_target):
    """The grants dbt applies after each model (grants config, role grantees through the
    redshift_grants_extended flag) and the schema USAGE of the on-run-end hook, compiled offline."""
    manifest = json.loads((redshift_target / "manifest.json").read_text())
    grants = {n["name"]: n["config"].get("grants") for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    assert grants["dim_customer"] == {"select": ["role:analyst"]}
    assert grants["fact_transaction"] == {"select": ["role:analyst"]}
    assert grants["dim_customer_pii"] == {"select": ["role:pii_reader"]}
    assert grants["top_customers_by_transaction_volume"] == {"select": ["role:analyst", "role:reporting"]}
    assert not grants["stg_dim_customer"] and not grants["quarantine_dim_customer"]
    assert manifest["metadata"].get("project_name") == "banking_dw"

    [usage] = [h for h in _hook_sql(redshift_target) if "grant usage" in h]
    assert [line.strip() for line in usage.strip().splitlines()] == [
        "grant usage on schema dev_gold to role analyst;",
        "grant usage on schema dev_reports to role analyst;",
        "grant usage on schema dev_reports to role reporting;",
        "grant usage on schema dev_restricted to role pii_reader;",
    ]

    target = shutil.copytree(redshift_target, tmp_path / "target")
    relation = "api.Relation.create(database='dev', schema='dev_gold', identifier='dim_customer')"
    stdout = _compile(
        target,
        "aws",
        "--inline",
        "{{ get_grant_sql(" + relation + ", 'select', ['role:analyst']) }}",
        "--output",
        "json",
        "--quiet",
        env=_offline_env(),
    )
    assert (
        _normalised(json.loads(stdout)["compiled"]) == 'grant select on "dev"."dev_gold"."dim_customer" to ROLE analyst'
    )
