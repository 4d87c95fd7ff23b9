"""`make contract`: every dbt file that only restates the table contracts, written from them.

banking_dw/contracts.py is the one hand-kept statement of the fourteen tables. This module writes
what the dbt project needs of it: the bronze sources, the contract as a macro the silver models
read (macros/generated/contract.sql), silver's and the quarantine's models and YAML (one pair per
model), and gold's YAML: the column lists with their types and descriptions, and the tests the
contract implies (keys, references, SCD2 invariants, reconciliation). Hand-written dbt code holds
only logic: macros, gold and report SQL, singular tests, unit tests.

    python -m banking_dw.dbt.contract_files          # write the files
    python -m banking_dw.dbt.contract_files --check  # exit 1 naming each file that differs

banking_dw_tests/test_dbt_project.py fails when a written file differs from what this writes now.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from banking_dw import settings
from banking_dw.contracts import CONTRACTS, Column, TableContract, contract
from banking_dw.erasure.placeholders import ERASED_TABLE, erased_value, is_erased
from banking_dw.layout import bronze_key
from banking_dw.value_rules import CALENDAR_TYPES, VALUE_PATTERNS, ColumnType

GENERATED_BY = "Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py"
YAML_HEADER = f"# {GENERATED_BY}; change those, not this file.\n"
JINJA_HEADER = f"{{#- {GENERATED_BY}; change those, not this file. -#}}\n"

# The types gold declares in its enforced contracts: names every engine accepts.
GOLD_TYPES = {
    ColumnType.BIGINT: "bigint",
    ColumnType.INTEGER: "integer",
    ColumnType.DECIMAL: "numeric(18,2)",
    ColumnType.RATE: "numeric(18,6)",
    ColumnType.VARCHAR: "varchar",
    ColumnType.DATE: "date",
    ColumnType.TIMESTAMP: "timestamp",
    ColumnType.BOOLEAN: "boolean",
}
NOT_NULL = [{"type": "not_null"}]
# The dimensions gold keeps as SCD Type 2, with their surrogate key; the others are SCD Type 1.
SCD2_KEYS = {"dim_customers": "customer_sk", "dim_accounts": "account_sk"}
# A dimension whose clear personal values only the restricted model holds.
RESTRICTED = {"dim_customers": "dim_customer_pii"}
# A fact that names an account but not its customer gets the customer from the account version.
CUSTOMER_THROUGH_ACCOUNT = ("account_id", "customer_id")


def model_of(table: str) -> str:
    return contract(table).model_name


def staging(table: TableContract) -> str:
    return f"stg_{table.model_name}"


def quarantine(table: TableContract) -> str:
    return f"quarantine_{table.model_name}"


def silver_folder(table: TableContract) -> str:
    return "facts" if table.is_fact else "dimensions"


def gold_folder(table: TableContract) -> str:
    return "facts" if table.is_fact else "dimensions"


def _description(text: str) -> str:
    return " ".join(text.split())


def _test(name: str, model: str, test: str, description: str, arguments: dict | None = None) -> dict:
    """A generic test with a short readable name (the check's name in Dagster, and its failing rows'
    relation: dbt wants it unique in the project, so the model's entity leads) and a one-line
    description of what it guarantees."""
    body: dict[str, object] = {"name": f"{entity(model)}__{name}", "description": description}
    if arguments:
        body["arguments"] = arguments
    return {test: body}


def entity(model: str) -> str:
    """A gold model's name without its kind, a silver one's with its layer: fact_transaction ->
    transaction, stg_fact_transaction -> silver_transaction."""
    if model.startswith("stg_"):
        return "silver_" + entity(model.removeprefix("stg_"))
    for prefix in ("dim_", "fact_"):
        if model.startswith(prefix):
            return model.removeprefix(prefix)
    return model


# --------------------------------------------------------------------------- bronze


def sources_yaml() -> dict:
    tables = []
    for table in CONTRACTS:
        columns = [
            {"name": c.name, "data_type": c.type.value, "description": c.description, **_personal_meta(c)}
            for c in table.columns
        ]
        columns.append(
            {
                "name": "dt",
                "data_type": "date",
                "description": "The day's partition of the lake (dt=YYYY-MM-DD); not in the file.",
                "config": {"meta": {"partition_column": True}},
            }
        )
        tables.append(
            {
                "name": table.name,
                "description": table.description,
                "config": {"meta": {"dagster": {"asset_key": list(bronze_key(table.name).path)}}},
                "columns": columns,
            }
        )
    return {
        "version": 2,
        "sources": [
            {
                "name": "bronze",
                "schema": "{{ env_var('BANKING_DW_SCHEMA_PREFIX', 'dev') }}_bronze",
                "description": (
                    "The landed files, one relation per source table, every column text, a day shown"
                    " only once its manifest is published (built by the Dagster crawl step, not by dbt)."
                ),
                "tables": tables,
            }
        ],
    }


def _personal_meta(column: Column) -> dict:
    if column.personal is None:
        return {}
    return {"config": {"meta": {"personal": column.personal.value}}}


# --------------------------------------------------------------------------- the contract macro


def contract_macro() -> str:
    tables = {}
    for table in CONTRACTS:
        columns = []
        for c in table.columns:
            entry: dict[str, object] = {"name": c.name, "type": c.type.value}
            if c.nullable:
                entry["nullable"] = True
            if c.allowed_values:
                entry["allowed_values"] = list(c.allowed_values)
            if c.references:
                entry["references"] = f"{c.references[0]}.{c.references[1]}"
            if c.sign:
                entry["sign"] = c.sign.name.lower()
            if c.max_length:
                entry["max_length"] = c.max_length
            if c.earliest:
                entry["earliest"] = c.earliest
            if c.not_after_extract_day:
                entry["not_after_extract_day"] = True
            if c.personal:
                entry["personal"] = True
            if c.mask:
                entry["mask"] = c.mask.name.lower()
            if table.name == ERASED_TABLE and is_erased(c):
                # What silver and the erasure write for an erased customer (banking_dw/erasure/).
                entry["erased_as"] = erased_value(c)
            columns.append(entry)
        tables[table.name] = {"model_name": table.model_name, "key": list(table.key), "columns": columns}
    types = {t.value: {"pattern": pattern, "calendar": t in CALENDAR_TYPES} for t, pattern in VALUE_PATTERNS.items()}
    table_lines = []
    for name, entry in tables.items():
        columns_text = ",\n".join(f"            {json.dumps(c)}" for c in entry["columns"])
        table_lines.append(
            f'        "{name}": {{"model_name": "{entry["model_name"]}", "key": {json.dumps(entry["key"])}, "columns": [\n'
            f"{columns_text}\n        ]}}"
        )
    type_lines = [f"        {json.dumps(name)}: {json.dumps(rule)}" for name, rule in types.items()]
    return (
        JINJA_HEADER
        + "\n{#- The fourteen tables: model name, key, columns with their rules (banking_dw/contracts.py). -#}\n"
        + "{% macro contract_tables() -%}\n    {{ return({\n"
        + ",\n".join(table_lines)
        + "\n    }) }}\n{%- endmacro %}\n\n\n"
        + "{#- What text is a valid value of each type (banking_dw/value_rules.py). -#}\n"
        + "{% macro contract_types() -%}\n    {{ return({\n"
        + ",\n".join(type_lines)
        + "\n    }) }}\n{%- endmacro %}\n"
    )


# --------------------------------------------------------------------------- silver


def staging_sql(table: TableContract) -> str:
    body = "staged_rows" if table.is_fact else "staged_runs"
    return JINJA_HEADER + f"\n{{{{ {body}('{table.name}') }}}}\n"


def quarantine_sql(table: TableContract) -> str:
    return JINJA_HEADER + f"\n{{{{ quarantined_rows('{table.name}') }}}}\n"


def _silver_column(column: Column, key: tuple[str, ...]) -> dict:
    entry: dict[str, object] = {"name": column.name, "data_type": column.type.value, "description": column.description}
    if column.name in key:
        entry["constraints"] = NOT_NULL
    return {**entry, **_personal_meta(column)}


def _distribution(table: TableContract) -> dict:
    """Redshift's distribution and sort keys: along the key a table is joined on."""
    if not table.is_fact:
        return {"dist": table.key[0], "sort": [table.key[0], "first_extract_date"]}
    joined = next((c.name for c in table.columns if c.references and c.references[0] == "dim_accounts"), None)
    return {"dist": joined or table.key[0], "sort": ["partition_date"]}


def staging_yaml(table: TableContract) -> dict:
    model = staging(table)
    columns = [_silver_column(c, table.key) for c in table.columns]
    tests: list[dict] = []
    if table.is_fact:
        grain = (
            f"Grain: one row per {' and '.join(table.key)} (the bank's good rows, typed), with the extract"
            " day it arrived in (partition_date). Incremental by window: the window's days are deleted,"
            " then inserted again, so reloading a day replaces everything it contributed."
        )
        columns.append(
            {
                "name": "partition_date",
                "data_type": "date",
                "description": "The extract day (bronze dt) the row arrived in; the window deletes and tests scope on it.",
                "constraints": NOT_NULL,
            }
        )
        if len(table.key) == 1:
            # Unique within a day is the quarantine's rule; across days loaded in different runs
            # only the table can tell.
            tests.append(
                _test(
                    f"{table.key[0]}_is_unique",
                    model,
                    "unique_combination_of_columns",
                    f"No {table.key[0]} appears twice, on any day loaded.",
                    {"combination_of_columns": list(table.key)},
                )
            )
            tests[-1][next(iter(tests[-1]))]["config"] = {"meta": {"whole_table": True}}
    else:
        grain = (
            f"Grain: one row per {table.key[0]} per run of consecutive extract days whose rows are equal"
            " ([first_extract_date, last_extract_date]): the bank's good rows, typed, stored as changes"
            " rather than a copy a day (macros/silver/runs.sql)."
        )
        columns += [
            {
                "name": "first_extract_date",
                "data_type": "date",
                "description": "The first extract day of the run.",
                "constraints": NOT_NULL,
            },
            {
                "name": "last_extract_date",
                "data_type": "date",
                "description": "The last extract day of the run.",
                "constraints": NOT_NULL,
            },
        ]
    entry: dict[str, object] = {
        "name": model,
        "description": _description(
            f"{grain} Typed from bronze.{table.name}; rows breaking a rule are in {quarantine(table)} instead."
        ),
        "config": {**_distribution(table), "meta": {"contract_table": table.name}},
    }
    if tests:
        entry["data_tests"] = tests
    entry["columns"] = columns
    return {"version": 2, "models": [entry]}


def quarantine_yaml(table: TableContract) -> dict:
    columns = [
        {"name": c.name, "description": f"{c.description} As the bank sent it (text).", **_personal_meta(c)}
        for c in table.columns
    ]
    columns += [
        {"name": "dt", "description": "The extract day (bronze dt) the row arrived in."},
        {"name": "quarantine_rule", "description": "The first rule the row breaks, without its value."},
        {
            "name": "quarantine_reason",
            "description": "The rule with the key, and the value unless the column is personal data.",
        },
    ]
    return {
        "version": 2,
        "models": [
            {
                "name": quarantine(table),
                "description": _description(
                    f"Grain: one row per bronze row of {table.name} that breaks a rule (per extract day dt):"
                    f" the raw text columns, dt, the rule and the reason. With {staging(table)} it holds every"
                    " bronze row exactly once."
                ),
                "config": {"meta": {"contract_table": table.name}},
                "columns": columns,
            }
        ],
    }


# --------------------------------------------------------------------------- gold


@dataclass(frozen=True)
class GoldColumn:
    name: str
    data_type: str
    description: str
    not_null: bool = False
    tests: tuple[dict, ...] = ()


def _quarantine_ref(table: str) -> str:
    return f"ref('quarantine_{model_of(table)}')"


def _references(table: TableContract) -> dict[str, str]:
    """Each column -> the contract table it references, the account's customer included."""
    found = {c.name: c.references[0] for c in table.columns if c.references}
    if CUSTOMER_THROUGH_ACCOUNT[0] in found and CUSTOMER_THROUGH_ACCOUNT[1] not in found:
        found[CUSTOMER_THROUGH_ACCOUNT[1]] = "dim_customers"
    return found


def _resolves(model: str, column: str, parent: str, field: str) -> dict:
    return _test(
        f"{column}_resolves",
        model,
        "relationships_unless_quarantined",
        f"Every {column} is in {model_of(parent)} (any version), unless its rows were quarantined.",
        {"to": f"ref('{model_of(parent)}')", "field": field, "quarantine": _quarantine_ref(parent)},
    )


def _contract_gold_columns(table: TableContract, model: str, masked: bool) -> list[GoldColumn]:
    references = _references(table)
    columns = []
    for c in table.columns:
        description = c.description
        if masked and c.mask:
            description += f" Masked: {c.mask.value} (the clear value is in the restricted model)."
        tests = ()
        if c.name in references and not table.is_fact and c.name not in table.key:
            tests = (_resolves(model, c.name, references[c.name], contract(references[c.name]).key[0]),)
        columns.append(GoldColumn(c.name, GOLD_TYPES[c.type], description, c.name in table.key, tests))
    return columns


def _gold_entry(model: str, description: str, columns: list[GoldColumn], tests: list[dict]) -> dict:
    entry: dict[str, object] = {"name": model, "description": _description(description)}
    if tests:
        entry["data_tests"] = tests
    entry["columns"] = []
    for column in columns:
        item: dict[str, object] = {
            "name": column.name,
            "data_type": column.data_type,
            "description": column.description,
        }
        if column.not_null:
            item["constraints"] = NOT_NULL
        if column.tests:
            item["data_tests"] = list(column.tests)
        entry["columns"].append(item)
    return entry


def scd2_yaml(table: TableContract, model: str, restricted: bool) -> dict:
    key, surrogate = table.key[0], SCD2_KEYS[table.name]
    masked = table.name in RESTRICTED and not restricted
    columns = [
        GoldColumn(
            surrogate,
            "varchar",
            f"Surrogate key of the version: a hash of {key} and updated_at.",
            True,
            (_test(f"{surrogate}_is_unique", model, "unique", f"No two versions share a {surrogate}."),),
        ),
        *_contract_gold_columns(table, model, masked),
        GoldColumn("valid_from", "timestamp", "When the version took effect: its updated_at.", True),
        GoldColumn(
            "valid_to", "timestamp", "When the next version took effect, or 9999-12-31 for the current one.", True
        ),
        GoldColumn("is_current", "boolean", f"The latest version of the {key}.", True),
        GoldColumn(
            "extract_date", "date", "The latest extract day that had the version (its attributes are that day's)."
        ),
    ]
    history = f"ref('{staging(table)}')"
    tests = [
        _test(
            "has_every_silver_version",
            model,
            "scd2_has_every_silver_version",
            f"The versions are exactly the distinct ({key}, updated_at) silver holds: none lost, none invented.",
            {"history": history, "key": key},
        ),
        _test(
            "versions_do_not_overlap",
            model,
            "scd2_windows_do_not_overlap",
            "Each version ends exactly where the next begins; the last ends at 9999-12-31.",
            {"key": key},
        ),
        _test(
            "one_current_version",
            model,
            "scd2_one_current_version",
            f"Exactly one version per {key} is current, the one ending at 9999-12-31.",
            {"key": key},
        ),
        _test(
            "one_version_per_valid_from",
            model,
            "unique_combination_of_columns",
            f"No two versions of a {key} start at the same instant.",
            {"combination_of_columns": [key, "valid_from"]},
        ),
    ]
    source = f"the runs of {staging(table)}"
    if masked:
        lead = (
            f"Grain: one row per {key} version ({surrogate}), SCD Type 2, for analysts: the personal"
            f" columns masked by the contract's rule; the clear values are in {RESTRICTED[table.name]}."
        )
    elif restricted:
        lead = (
            f"Grain: one row per {key} version ({surrogate}), SCD Type 2, with the clear personal values:"
            " restricted to engineers and the pii_reader role."
        )
    else:
        lead = f"Grain: one row per {key} version ({surrogate}), SCD Type 2."
    description = (
        f"{lead} Derived from {source} with window functions (not a dbt snapshot), so the same whatever"
        " order the days were loaded in."
    )
    return {"version": 2, "models": [_gold_entry(model, description, columns, tests if not restricted else [])]}


def scd1_yaml(table: TableContract) -> dict:
    model = table.model_name
    key = table.key[0]
    columns = _contract_gold_columns(table, model, masked=False)
    columns[0] = GoldColumn(
        columns[0].name,
        columns[0].data_type,
        columns[0].description,
        True,
        (_test(f"{key}_is_unique", model, "unique", f"One row per {key}."),),
    )
    columns.append(GoldColumn("extract_date", "date", "The latest extract day loaded, whose row this is."))
    description = (
        f"Grain: one row per {key}, SCD Type 1: each key's row from the latest extract day loaded, read from"
        f" the runs of {staging(table)}."
    )
    return {"version": 2, "models": [_gold_entry(model, description, columns, [])]}


def fact_yaml(table: TableContract) -> dict:
    model = table.model_name
    references = _references(table)
    columns: list[GoldColumn] = []
    surrogates: list[GoldColumn] = []
    for c in table.columns:
        tests: tuple[dict, ...] = ()
        if c.name in references:
            parent = references[c.name]
            tests = (_resolves(model, c.name, parent, contract(parent).key[0]),)
        description = c.description + (f" Masked: {c.mask.value}." if c.mask else "")
        columns.append(GoldColumn(c.name, GOLD_TYPES[c.type], description, c.name in table.key, tests))
        if c.name == CUSTOMER_THROUGH_ACCOUNT[0] and CUSTOMER_THROUGH_ACCOUNT[1] not in table.column_names:
            explained = [{"key": "account_id", "quarantine": _quarantine_ref("dim_accounts")}]
            columns.append(
                GoldColumn(
                    "customer_id",
                    "bigint",
                    "The customer holding the account, from the account version valid then.",
                    False,
                    (
                        _test(
                            "customer_id_is_set",
                            model,
                            "not_null_unless_quarantined",
                            "customer_id is set, unless the account's rows that day were quarantined.",
                            {"explained_by": explained},
                        ),
                        _resolves(model, "customer_id", "dim_customers", "customer_id"),
                    ),
                )
            )
    for column in [c.name for c in columns]:
        parent = references.get(column)
        if parent not in SCD2_KEYS:
            continue
        surrogate = SCD2_KEYS[parent]
        explained = [{"key": column, "quarantine": _quarantine_ref(parent)}]
        if column == "customer_id" and "customer_id" not in table.column_names:
            explained.insert(0, {"key": "account_id", "quarantine": _quarantine_ref("dim_accounts")})
        surrogates.append(
            GoldColumn(
                surrogate,
                "varchar",
                f"The {model_of(parent)} version valid at the event ({surrogate}).",
                False,
                (
                    _test(
                        f"{surrogate}_is_set",
                        model,
                        "not_null_unless_quarantined",
                        f"{surrogate} is set, unless the quarantine explains why no version was valid then.",
                        {"explained_by": explained},
                    ),
                    _test(
                        f"{surrogate}_resolves",
                        model,
                        "relationships",
                        f"Every {surrogate} names a version of {model_of(parent)}.",
                        {"to": f"ref('{model_of(parent)}')", "field": surrogate},
                    ),
                ),
            )
        )
    partition = GoldColumn("partition_date", "date", "The extract day the fact arrived in.", True)
    tests = [
        _test(
            "reconciles_with_silver",
            model,
            "reconciles_with_silver",
            f"Every day of the window has exactly the rows of {staging(table)}: none lost or duplicated.",
            {"silver": f"ref('{staging(table)}')"},
        )
    ]
    if len(table.key) == 1:
        columns[0] = GoldColumn(
            columns[0].name,
            columns[0].data_type,
            columns[0].description,
            True,
            (_test(f"{table.key[0]}_is_unique", model, "unique", f"One row per {table.key[0]}."), *columns[0].tests),
        )
    else:
        tests.insert(
            0,
            _test(
                f"one_row_per_{'_and_'.join(table.key)}",
                model,
                "unique_combination_of_columns",
                f"One row per {' and '.join(table.key)}.",
                {"combination_of_columns": list(table.key)},
            ),
        )
    description = (
        f"Grain: one row per {' and '.join(table.key)}: the natural ids, and the surrogate key of each"
        " dimension version valid at the event (a daily fact: at the end of its day). Incremental by day"
        " window (the window's days deleted, then inserted again)."
    )
    return {"version": 2, "models": [_gold_entry(model, description, [*columns, *surrogates, partition], tests)]}


# --------------------------------------------------------------------------- all files


def written_files() -> dict[str, str]:
    """Path under dbt_project/ -> content, for every file `make contract` writes."""
    files = {
        "models/bronze/_bronze__sources.yml": _yaml(sources_yaml()),
        "macros/generated/contract.sql": contract_macro(),
    }
    for table in CONTRACTS:
        folder = f"models/silver/{silver_folder(table)}"
        files[f"{folder}/{staging(table)}.sql"] = staging_sql(table)
        files[f"{folder}/{staging(table)}.yml"] = _yaml(staging_yaml(table))
        files[f"models/silver/quarantine/{quarantine(table)}.sql"] = quarantine_sql(table)
        files[f"models/silver/quarantine/{quarantine(table)}.yml"] = _yaml(quarantine_yaml(table))
        gold = f"models/gold/{gold_folder(table)}/{table.model_name}.yml"
        if table.is_fact:
            files[gold] = _yaml(fact_yaml(table))
        elif table.name in SCD2_KEYS:
            files[gold] = _yaml(scd2_yaml(table, table.model_name, restricted=False))
            if table.name in RESTRICTED:
                restricted = RESTRICTED[table.name]
                files[f"models/gold/restricted/{restricted}.yml"] = _yaml(scd2_yaml(table, restricted, True))
        else:
            files[gold] = _yaml(scd1_yaml(table))
    return files


class _Dumper(yaml.SafeDumper):
    """Block style, keys in the order given, lists indented under their key, no anchors."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def ignore_aliases(self, data: object) -> bool:
        return True


def _yaml(document: dict) -> str:
    return YAML_HEADER + yaml.dump(document, Dumper=_Dumper, sort_keys=False, width=1000, allow_unicode=True)


def stale_files(project_dir: Path) -> list[str]:
    """The written files that differ from what would be written now, and any left over."""
    expected = written_files()
    stale = [path for path, content in expected.items() if _read(project_dir / path) != content]
    written_before = {
        path.relative_to(project_dir).as_posix()
        for path in project_dir.glob("**/*")
        if path.suffix in (".sql", ".yml") and "target" not in path.parts and GENERATED_BY in _read(path)
    }
    return sorted(stale + sorted(written_before - set(expected)))


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def write(project_dir: Path) -> list[str]:
    """Write every file; remove written files the contract no longer has. Returns what changed."""
    changed = stale_files(project_dir)
    expected = written_files()
    for path in changed:
        target = project_dir / path
        if path in expected:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(expected[path], encoding="utf-8")
        else:
            target.unlink()
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m banking_dw.dbt.contract_files", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only report the files that differ")
    arguments = parser.parse_args(argv)
    project_dir = settings.dbt_project_dir()
    if arguments.check:
        stale = stale_files(project_dir)
        for path in stale:
            print(f"dbt_project/{path} differs from the contract: run `make contract`", file=sys.stderr)
        return 1 if stale else 0
    for path in write(project_dir):
        print(f"wrote dbt_project/{path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
