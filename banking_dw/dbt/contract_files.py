"""`make contract`: every dbt file that only restates the table contracts, written from them.

banking_dw/contracts.py is the one hand-kept statement of the fourteen tables. This module writes
what the dbt project needs of it: the bronze sources, the contract as a macro the silver models
read (macros/generated/contract.sql), silver's and the quarantine's models and YAML (one pair per
model). Gold's and the reports' YAML are kept by hand beside their SQL: they state each model's own
grain and tests, which are logic, not a restatement of the contract.

    python -m banking_dw.dbt.contract_files          # write the files
    python -m banking_dw.dbt.contract_files --check  # exit 1 naming each file that differs

banking_dw_tests/test_dbt_project.py fails when a written file differs from what this writes now.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from banking_dw import settings
from banking_dw.contracts import CONTRACTS, Column, TableContract
from banking_dw.dbt.validation import quarantine_sql, staging_sql, validated_model, validated_sql
from banking_dw.erasure.placeholders import ERASED_KEY, ERASED_TABLE, erased_value, is_erased
from banking_dw.layout import bronze_key
from banking_dw.value_rules import ColumnType, Dialect, typed_sql

GENERATED_BY = "Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py"
YAML_HEADER = f"# {GENERATED_BY}; change those, not this file.\n"
JINJA_HEADER = f"{{#- {GENERATED_BY}; change those, not this file. -#}}\n"

NOT_NULL = [{"type": "not_null"}]


def staging(table: TableContract) -> str:
    return f"stg_{table.model_name}"


def quarantine(table: TableContract) -> str:
    return f"quarantine_{table.model_name}"


def silver_folder(table: TableContract) -> str:
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


CAST_TEXT = "{text}"


def value_casts() -> dict[str, dict[str, str]]:
    """Dialect -> type -> the SQL of `{text}` as that type (value_rules.typed_sql)."""
    return {
        dialect.value: {t.value: typed_sql(CAST_TEXT, t, dialect) for t in ColumnType if t is not ColumnType.VARCHAR}
        for dialect in Dialect
    }


def contract_macro() -> str:
    tables = {}
    for table in CONTRACTS:
        columns = []
        for c in table.columns:
            entry: dict[str, object] = {"name": c.name, "type": c.type.value}
            if c.personal:
                entry["personal"] = True
            if c.mask:
                entry["mask"] = c.mask.name.lower()
            if table.name == ERASED_TABLE and is_erased(c):
                # What silver and the erasure write for an erased customer (banking_dw/erasure/).
                entry["erased_as"] = erased_value(c)
            columns.append(entry)
        tables[table.name] = {"model_name": table.model_name, "key": list(table.key), "columns": columns}
    casts = value_casts()
    table_lines = []
    for name, entry in tables.items():
        columns_text = ",\n".join(f"            {json.dumps(c)}" for c in entry["columns"])
        table_lines.append(
            f'        "{name}": {{"model_name": "{entry["model_name"]}", "key": {json.dumps(entry["key"])}, "columns": [\n'
            f"{columns_text}\n        ]}}"
        )
    cast_lines = [f"        {json.dumps(dialect)}: {json.dumps(by_type)}" for dialect, by_type in casts.items()]
    return (
        JINJA_HEADER
        + "\n{#- The fourteen tables: model name, key, columns with their types, masks and erasure placeholders (banking_dw/contracts.py). -#}\n"
        + "{% macro contract_tables() -%}\n    {{ return({\n"
        + ",\n".join(table_lines)
        + "\n    }) }}\n{%- endmacro %}\n\n\n"
        + "{#- Each dialect's SQL of a text as each type, null where it is not a valid value: the rule as\n"
        + "    banking_dw/value_rules.py renders it (typed_sql), with {text} for the text (safe_cast_text). -#}\n"
        + "{% macro value_casts() -%}\n    {{ return({\n"
        + ",\n".join(cast_lines)
        + "\n    }) }}\n{%- endmacro %}\n"
    )


# --------------------------------------------------------------------------- silver


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
                    "unique_across_loaded_days",
                    f"No {table.key[0]} of the window appears twice, on any day loaded.",
                    {"column_name": table.key[0], "window_column": "partition_date"},
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


def _erased(table: TableContract) -> dict[str, str]:
    """Column -> placeholder of an erased customer's values (banking_dw/erasure/), for the erased table."""
    if table.name != ERASED_TABLE:
        return {}
    return {c.name: erased_value(c) for c in table.columns if is_erased(c)}


def validated_yaml(table: TableContract) -> dict:
    columns = [
        {
            "name": c.name,
            "description": f"{c.description} Typed; null where missing or not a valid value.",
            **_personal_meta(c),
        }
        for c in table.columns
    ]
    columns += [
        {"name": "dt", "description": "The extract day (bronze dt) the row arrived in."},
        {
            "name": "quarantine_rule",
            "description": "The first rule the row breaks, without its value; null for a good row.",
        },
        {
            "name": "quarantine_reason",
            "description": "The rule with the key, and the value unless the column is personal data.",
        },
    ]
    columns += [
        {
            "name": f"{c.name}__as_sent",
            "description": f"{c.description} As the bank sent it (text), for a quarantined row only.",
            **_personal_meta(c),
        }
        for c in table.columns
    ]
    return {
        "version": 2,
        "models": [
            {
                "name": validated_model(table),
                "description": _description(
                    f"Grain: one row per bronze row of {table.name} in the run's window: typed, and judged once"
                    f" by silver's rules (banking_dw/dbt/validation.py). quarantine_rule is null for a good row,"
                    f" which {staging(table)} keeps, else the first rule it breaks ({quarantine(table)}). A table"
                    " each run replaces with its window: silver's history is in those two models."
                ),
                "config": {"meta": {"contract_table": table.name}},
                "columns": columns,
            }
        ],
    }


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


# --------------------------------------------------------------------------- all files


def written_files() -> dict[str, str]:
    """Path under dbt_project/ -> content, for every file `make contract` writes."""
    files = {
        "models/bronze/_bronze__sources.yml": _yaml(sources_yaml()),
        "macros/generated/contract.sql": contract_macro(),
    }
    for table in CONTRACTS:
        folder = f"models/silver/{silver_folder(table)}"
        files[f"models/silver/validated/{validated_model(table)}.sql"] = validated_sql(
            table, JINJA_HEADER, _erased(table), ERASED_KEY if table.name == ERASED_TABLE else None
        )
        files[f"models/silver/validated/{validated_model(table)}.yml"] = _yaml(validated_yaml(table))
        files[f"{folder}/{staging(table)}.sql"] = staging_sql(table, JINJA_HEADER)
        files[f"{folder}/{staging(table)}.yml"] = _yaml(staging_yaml(table))
        files[f"models/silver/quarantine/{quarantine(table)}.sql"] = quarantine_sql(table, JINJA_HEADER)
        files[f"models/silver/quarantine/{quarantine(table)}.yml"] = _yaml(quarantine_yaml(table))
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
