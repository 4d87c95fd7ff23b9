"""Print the six sample reports from the local warehouse: `python -m banking_dw.reports`.

The reports are dbt models (dbt_project/models/reports/, schema dev_reports); their names are the
model files' stems.
"""

from __future__ import annotations

import sys

import duckdb

from banking_dw import settings


def report_names() -> list[str]:
    """The report models, in file-name order."""
    return sorted(path.stem for path in (settings.dbt_project_dir() / "models" / "reports").glob("*.sql"))


def main() -> int:
    path, schema = settings.warehouse_path(), settings.layer_schema("reports")
    if not path.is_file():
        print(f"no warehouse at {path}: run `make run` first", file=sys.stderr)
        return 1
    with duckdb.connect(str(path), read_only=True) as connection:
        built = {
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables where table_schema = ?", [schema]
            ).fetchall()
        }
        for name in report_names():
            print(f"\n## {name}\n")
            if name not in built:
                print(f"(not built yet: {schema}.{name} is missing)")
                continue
            frame = connection.execute(f"select * from {schema}.{name}").df()
            for column in frame.select_dtypes("datetime").columns:
                frame[column] = frame[column].dt.date
            print(frame.to_markdown(index=False, floatfmt=",.2f"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
