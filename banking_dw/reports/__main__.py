"""Print the six sample reports from the warehouse: `python -m banking_dw.reports`."""

from __future__ import annotations

import sys

import duckdb

from banking_dw import settings
from banking_dw.reports.assets import REPORTS_SCHEMA, reports


def main() -> int:
    path = settings.warehouse_path()
    if not path.is_file():
        print(f"no warehouse at {path}: run `make run` first", file=sys.stderr)
        return 1
    with duckdb.connect(str(path), read_only=True) as connection:
        for report in reports():
            frame = connection.execute(f"select * from {REPORTS_SCHEMA}.{report.name}").df()
            for column in frame.select_dtypes("datetime").columns:
                frame[column] = frame[column].dt.date
            print(f"\n## {report.name}\n{report.description}\n")
            print(frame.to_markdown(index=False, floatfmt=",.2f"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
