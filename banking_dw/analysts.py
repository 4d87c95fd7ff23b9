"""`python -m banking_dw.analysts [-c SQL]`: query the analysts' file the safe way.

Opens the analysts' DuckDB file (BANKING_DW_ANALYSTS_PATH, see banking_dw/duckdb_analysts.py)
read-only, with no access to any other file and the configuration locked: a statement cannot
ATTACH the warehouse, read the lake or write a file, whatever the operating system would allow.
Runs the statements given with -c, else those read from the terminal or a pipe, one per `;`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

import duckdb

from banking_dw import settings
from banking_dw.duckdb_analysts import connect_as_analyst

PROMPT = "analysts> "


def statements(lines: TextIO, interactive: bool) -> list[str]:
    """The statements of `lines`, each ending at a `;` at the end of a line (or the input's end)."""
    found, pending = [], []
    while True:
        if interactive:
            print(PROMPT if not pending else " " * len(PROMPT), end="", flush=True)
        line = lines.readline()
        if not line:
            break
        pending.append(line)
        if line.rstrip().endswith(";"):
            found.append("".join(pending).strip().rstrip(";"))
            pending = []
            if interactive:
                return found
    if "".join(pending).strip():
        found.append("".join(pending).strip())
    return found


def run(connection: duckdb.DuckDBPyConnection, sql: str, out: TextIO) -> bool:
    """Print a statement's result, or its error in one line; whether it succeeded."""
    try:
        relation = connection.sql(sql)
    except duckdb.Error as error:
        out.write(f"error: {str(error).splitlines()[0]}\n")
        return False
    if relation is not None:
        out.write(f"{relation}\n")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m banking_dw.analysts", description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--command", action="append", help="a statement to run (repeatable)")
    parser.add_argument("--path", type=Path, help="the analysts' file (default: BANKING_DW_ANALYSTS_PATH)")
    arguments = parser.parse_args(argv)
    try:
        connection = connect_as_analyst(arguments.path or settings.analysts_path())
    except (FileNotFoundError, settings.SettingError) as error:
        print(f"banking-dw: {error}", file=sys.stderr)
        return 2
    interactive = arguments.command is None and sys.stdin.isatty()
    succeeded = True
    with connection:
        if arguments.command is not None:
            return 0 if all([run(connection, sql, sys.stdout) for sql in arguments.command]) else 1
        while batch := statements(sys.stdin, interactive):
            succeeded = all([run(connection, sql, sys.stdout) for sql in batch]) and succeeded
        if interactive:
            print()
    return 0 if succeeded else 1


if __name__ == "__main__":
    sys.exit(main())
