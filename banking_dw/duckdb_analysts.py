"""The local target's boundary for analysts: a DuckDB file of their own.

DuckDB cannot grant, so inside the warehouse file nothing keeps a reader from `dev_restricted`, the
clear personal values. Analysts get a second file holding only what they may read (gold with its
personal columns masked, and the reports), published after every successful build of gold or the
reports. Its cost follows the window where it can: a fact table (one with a `partition_date`) gets
the window's days again (deleted, then inserted), plus any day whose row count differs from the
warehouse's (a publish a killed run never made); dimensions and reports, rebuilt whole by every dbt
run, are replaced whole; a table no longer published is dropped.

An analyst may hold the file open read-only while a publish runs, and DuckDB's file lock would then
block a writer. So the new version is built in a temporary file beside it (a copy of the previous
version, updated) and renamed over it: readers keep the old version until they reopen the file.

Handing it over: the file is private to its owner like the data folder, unless
BANKING_DW_ANALYSTS_GROUP names a group, which may then read it (0640) at BANKING_DW_ANALYSTS_PATH,
outside the engineers' private folder. Analysts open it with `connect_as_analyst` (or `python -m
banking_dw.analysts`): read-only, no other file reachable, the configuration locked.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from banking_dw import settings
from banking_dw.locks import file_lock
from banking_dw.partitions import DayWindow
from banking_dw.warehouse import AnalystRelation

FACT_DAY_COLUMN = "partition_date"
# The warehouse, attached read-only to the file being built.
SOURCE = "published_warehouse"
# DuckDB's own schemas, in every file.
BUILT_IN_SCHEMAS = {"main", "information_schema", "pg_catalog"}
# A published file and the folders created for it, with a group: its members read, nobody else.
SHARED_FILE_MODE = 0o640
SHARED_FOLDER_MODE = 0o750
# How analysts open their file (connect_as_analyst): no file but this one, and no way to change that.
ANALYST_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}


@dataclass
class Published:
    """What one publish did, as counts (never a value)."""

    tables_by_schema: dict[str, int] = field(default_factory=dict)
    facts_by_day: int = 0
    fact_days: set = field(default_factory=set)
    replaced_whole: int = 0
    dropped: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            **self.tables_by_schema,
            "facts_by_day": self.facts_by_day,
            "fact_days": len(self.fact_days),
            "replaced_whole": self.replaced_whole,
            "dropped": self.dropped,
        }

    def line(self, target: Path) -> str:
        tables = ", ".join(f"{count} in {schema}" for schema, count in sorted(self.tables_by_schema.items()))
        return (
            f"published for analysts to {target}: {sum(self.tables_by_schema.values())} tables ({tables});"
            f" {self.facts_by_day} fact table(s) copied for {len(self.fact_days)} day(s),"
            f" {self.replaced_whole} replaced whole, {self.dropped} no longer published dropped"
        )


def quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def publish(
    source: Path,
    target: Path,
    window: DayWindow,
    relations: Sequence[AnalystRelation],
    log: Callable[[str], None],
    fresh: bool = False,
) -> Published:
    """Publish `relations` of the warehouse file `source` to the analysts' file `target`; `fresh`
    builds the new version from nothing rather than from the previous one, so no block of the file
    keeps a value that has since changed (after an erasure).

    One publisher at a time per file (a lock beside it); the caller holds the warehouse's writer
    lock, so `source` does not change meanwhile."""
    group = settings.analysts_group()
    _prepare_folder(target, source, group)
    with file_lock(target.with_name(target.name + ".lock"), exclusive=True, what="publish for analysts", log=log):
        # A temporary file left by a publish that was killed is garbage: this publisher holds the lock.
        for leftover in target.parent.glob(f".{target.name}.*.tmp*"):
            leftover.unlink(missing_ok=True)
        staging = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.tmp")
        try:
            if target.is_file() and not fresh:
                shutil.copyfile(target, staging)
            published = _update(staging, source, window, relations)
            _hand_over(staging, group)
            fsync(staging)
            os.replace(staging, target)
            fsync(target.parent)
        finally:
            for path in (staging, staging.with_name(staging.name + ".wal")):
                path.unlink(missing_ok=True)
    return published


def _prepare_folder(target: Path, warehouse: Path, group: int | None) -> None:
    """The analysts' file's folder: private like the data folder when no group is given; with a
    group, outside the engineers' private folder (its members could not reach it there), and each
    folder created for it readable by the group (0750)."""
    if group is None:
        settings.make_private_dirs(target.parent)
        return
    private = warehouse.parent.resolve()
    if private in target.resolve().parents:
        raise settings.SettingError(
            f"{settings.ANALYSTS_PATH_ENV}={target} is inside {private}, which is private to its owner: the"
            f" {settings.ANALYSTS_GROUP_ENV} group could not reach it; give a path outside it"
            " (for example /srv/banking-dw/analysts.duckdb)"
        )
    settings.private_by_default()
    missing = []
    current = target.parent
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        folder.mkdir(mode=SHARED_FOLDER_MODE, exist_ok=True)
        _give_to_group(folder, group, SHARED_FOLDER_MODE)


def _hand_over(staging: Path, group: int | None) -> None:
    """The new version's mode before it is renamed in: the group may read it, or nobody else may."""
    if group is None:
        os.chmod(staging, settings.PRIVATE_FILE_MODE)
    else:
        _give_to_group(staging, group, SHARED_FILE_MODE)


def _give_to_group(path: Path, group: int, mode: int) -> None:
    try:
        os.chown(path, -1, group)
    except PermissionError:
        raise settings.SettingError(
            f"cannot give {path} to group {group} ({settings.ANALYSTS_GROUP_ENV}): this user is not a member of it"
        ) from None
    os.chmod(path, mode)


def connect_as_analyst(path: Path) -> duckdb.DuckDBPyConnection:
    """The analysts' file opened the one safe way: read-only, with no access to any other file
    (no ATTACH of the warehouse, no read_csv of the lake, no COPY out, no extension loaded) and the
    configuration locked, so no statement can turn that back on. Whatever the operating system
    would let the reader open, this connection reaches only the analysts' tables."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"no analysts' file at {path}: a build of gold or the reports publishes it")
    return duckdb.connect(str(path), read_only=True, config=ANALYST_CONFIG)


def _update(staging: Path, source: Path, window: DayWindow, relations: Sequence[AnalystRelation]) -> Published:
    published = Published()
    spill = settings.make_private_dirs(settings.duckdb_spill_dir())
    connection = duckdb.connect(str(staging))
    try:
        connection.execute("set memory_limit = ?", [settings.duckdb_memory_limit()])
        connection.execute("set temp_directory = ?", [str(spill)])
        connection.execute(f"attach {literal(str(source))} as {SOURCE} (read_only)")
        for relation in relations:
            schema, table = quoted(relation.schema), quoted(relation.name)
            columns = _columns(connection, SOURCE, relation)
            if not columns:
                raise RuntimeError(f"cannot publish {relation} for analysts: the warehouse has no such table")
            connection.execute(f"create schema if not exists {schema}")
            if FACT_DAY_COLUMN in dict(columns) and _columns(connection, None, relation) == columns:
                days = _copy_days(connection, relation, window)
                published.facts_by_day += 1
                published.fact_days.update(days)
            else:
                # A dimension or report, or a fact that is new here or whose columns changed.
                connection.execute(
                    f"create or replace table {schema}.{table} as select * from {SOURCE}.{schema}.{table}"
                )
                published.replaced_whole += 1
            published.tables_by_schema[relation.schema] = published.tables_by_schema.get(relation.schema, 0) + 1
        published.dropped = _drop_unpublished(connection, relations)
        connection.execute(f"detach {SOURCE}")
        connection.execute("checkpoint")
    finally:
        connection.close()
    return published


def _columns(
    connection: duckdb.DuckDBPyConnection, database: str | None, relation: AnalystRelation
) -> list[tuple[str, str]]:
    """The relation's columns (name, type) in order: in the attached warehouse, or in the file built."""
    rows = connection.execute(
        "select column_name, data_type from duckdb_columns()"
        " where database_name = coalesce(?, current_database()) and schema_name = ? and table_name = ?"
        " order by column_index",
        [database, relation.schema, relation.name],
    ).fetchall()
    return [(name, kind) for name, kind in rows]


def _copy_days(connection: duckdb.DuckDBPyConnection, relation: AnalystRelation, window: DayWindow) -> list:
    """The window's days of a fact table, and any day whose row count differs from the warehouse's,
    deleted and inserted again; returns those days."""
    schema, table, day = quoted(relation.schema), quoted(relation.name), quoted(FACT_DAY_COLUMN)
    connection.execute(
        f"create or replace temp table publish_days as"
        f" select cast(range as date) as day from range(cast(? as timestamp), cast(? as timestamp), interval 1 day)"
        f" union"
        f" select coalesce(theirs.day, ours.day) from"
        f" (select {day} as day, count(*) as n from {SOURCE}.{schema}.{table} group by all) as theirs"
        f" full join (select {day} as day, count(*) as n from {schema}.{table} group by all) as ours"
        f" on theirs.day = ours.day where theirs.n is distinct from ours.n",
        [window.start.isoformat(), window.end.isoformat()],
    )
    connection.execute(f"delete from {schema}.{table} where {day} in (select day from publish_days)")
    connection.execute(
        f"insert into {schema}.{table} by name"
        f" select * from {SOURCE}.{schema}.{table} where {day} in (select day from publish_days)"
    )
    return [row[0] for row in connection.execute("select day from publish_days").fetchall()]


def _drop_unpublished(connection: duckdb.DuckDBPyConnection, relations: Sequence[AnalystRelation]) -> int:
    """Drop every table, view and schema of the file that is not published (a model since removed,
    a schema no longer published): the file holds what analysts may read and nothing else."""
    keep = {(relation.schema, relation.name) for relation in relations}
    schemas = {relation.schema for relation in relations}
    dropped = 0
    for kind, listing in (("table", "duckdb_tables()"), ("view", "duckdb_views()")):
        rows = connection.execute(
            f"select schema_name, {kind}_name from {listing}"
            " where database_name = current_database() and not internal and not temporary"
        ).fetchall()
        for schema, name in rows:
            if (schema, name) not in keep:
                connection.execute(f"drop {kind} if exists {quoted(schema)}.{quoted(name)} cascade")
                dropped += 1
    rows = connection.execute(
        "select schema_name from duckdb_schemas() where database_name = current_database() and not internal"
    ).fetchall()
    for (schema,) in rows:
        if schema not in schemas and schema not in BUILT_IN_SCHEMAS:
            connection.execute(f"drop schema if exists {quoted(schema)} cascade")
    return dropped


def fsync(path: Path) -> None:
    """The new version on disk before it is renamed in (and the rename before the publish ends)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
