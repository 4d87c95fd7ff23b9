"""The local target's boundary for analysts: a DuckDB file of their own, proven equal to the warehouse.

DuckDB cannot grant, so inside the warehouse file nothing keeps a reader from `dev_restricted`, the
clear personal values. Analysts get a file holding only what they may read (gold with its personal
columns masked, and the reports): the asset `analysts/analysts_file` (banking_dw/analysts_file/).

Digests. A table is compared with the warehouse's by a digest of its rows: its columns (names and
types), and its row count and the sum of its rows' hashes (DuckDB's `hash` of every column; a sum,
so two equal rows count twice where a xor would cancel them), per day for a table with a
`partition_date` (a fact), once for any other (a dimension, a report). A publish copies again every
day and table whose digest differs, whatever the run built; the check compares the same digests.

Two versions behind one pointer. An analyst may hold the file open read-only while a publish runs
(DuckDB's file lock then blocks a writer), and a reader must see one version or the next, never a
half-written one. The path analysts open is a symbolic link to one of two files beside it
(`analysts.a.duckdb`, `analysts.b.duckdb`). A publish repairs the other one, the standby, which is
one publish behind (so it costs the days that changed since), compares it with the warehouse, and
only then renames a new link over the old one: a reader that opened the previous version keeps it
until it reopens the path. A publish that leaves no other version beside the new one (the first,
and a fresh one, which deletes it) writes it as a copy of the new one, so the publish after starts
from a standby one publish behind: the backfill that wrote the history pays the whole-file copy,
not the day after it. A standby that a reader still holds (opened two publishes ago), that cannot
be opened, or that is missing is first replaced by a copy of the current version, the same copy.

Cost. DuckDB records no change per day, so the warehouse's publish records the digests of what it
replaces, in the same transaction as the rows (dbt_project/macros/publish/digests.sql, the same
expression as here): a publish reads those instead of hashing every day of the warehouse, and
digests the warehouse itself only for a relation not recorded yet (before the first build that
records it, or after an erasure, which changes rows in place). The standby's are kept beside the
files (`<name>.digests.json`, with the file's inode, size and modification time and DuckDB's
version, which `hash` depends on): while the stamp still matches, the file was not written since,
and only the days a publish copies are read back. The check (`compare`) digests both anew.

A killed publish leaves at most a temporary copy or link, deleted by the next under the lock, and a
standby half repaired, which the pointer never named: the next publish opens it (DuckDB replays its
write-ahead log), digests it anew and repairs it like any standby.

Handing it over: the files are private to their owner like the data folder, unless
BANKING_DW_ANALYSTS_GROUP names a group, which may then read them (0640) at BANKING_DW_ANALYSTS_PATH,
outside the engineers' private folder. Analysts open it with `connect_as_analyst` (or `python -m
banking_dw.analysts`): read-only, no other file reachable, the configuration locked.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from banking_dw import settings
from banking_dw.locks import file_lock
from banking_dw.warehouse import AnalystRelation, CopyDifference, CopyPublished

FACT_DAY_COLUMN = "partition_date"
# The warehouse, and the analysts' file, attached to the connection that compares or repairs.
SOURCE = "published_warehouse"
COPY = "analysts_copy"
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
# The two versions the pointer names in turn.
SLOTS = ("a", "b")
# The part of a table without a partition_date: the table as a whole.
WHOLE = "whole table"
# A part's digest: its rows counted, and their hashes (DuckDB's, of every column) summed. The
# warehouse's publish records the same (dbt_project/macros/publish/digests.sql).
PART_DIGEST = "count(*), sum(hash(*columns(*)))"
# The warehouse's schema where its publish records digests, as dbt names it (dev_publish).
DIGESTS_LAYER = "publish"

Part = date | str | None
# (rows, sum of the rows' hashes)
Counted = tuple[int, int]


@dataclass(frozen=True)
class Digest:
    """A table's columns (name, type) and its rows counted and hashed per part: per day (None for
    rows without one) when it has a partition_date, else one part, WHOLE. An empty table has no part."""

    columns: tuple[tuple[str, str], ...]
    parts: dict[Part, Counted]

    @property
    def by_day(self) -> bool:
        return any(name == FACT_DAY_COLUMN for name, _ in self.columns)


def quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _table(database: str, relation: AnalystRelation) -> str:
    return f"{quoted(database)}.{quoted(relation.schema)}.{quoted(relation.name)}"


# --------------------------------------------------------------------------- the files


def slot_path(target: Path, slot: str) -> Path:
    """One of the two versions beside the pointer: analysts.a.duckdb for analysts.duckdb."""
    return target.with_name(f"{target.stem}.{slot}{target.suffix}")


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _lock_path(target: Path) -> Path:
    return target.with_name(target.name + ".lock")


def _digests_path(target: Path) -> Path:
    return target.with_name(target.name + ".digests.json")


def _temporary(target: Path, suffix: str) -> Path:
    """A temporary file beside the pointer; `_clear_leftovers` finds it if its publish is killed."""
    return target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.{suffix}")


def current_file(target: Path) -> Path | None:
    """The version the pointer names now (a file of an earlier layout: the file itself); None before
    the first publish."""
    if target.is_symlink():
        named = target.parent / os.readlink(target)
        return named if named.is_file() else None
    return target if target.is_file() else None


def _remove(path: Path) -> None:
    for each in (path, _wal(path)):
        each.unlink(missing_ok=True)


def _clear_leftovers(target: Path) -> None:
    """Temporary copies, links and digests a killed publish left (this publisher holds the lock)."""
    for leftover in target.parent.glob(f".{glob.escape(target.name)}.*"):
        leftover.unlink(missing_ok=True)


def _adopt_plain_file(target: Path) -> None:
    """An analysts' file of the earlier layout (one file, no pointer) becomes version a, linked, not
    copied, then the pointer is put in its place: a reader holding it keeps it."""
    if target.is_symlink() or not target.is_file():
        return
    first = slot_path(target, SLOTS[0])
    _remove(first)
    os.link(target, first)
    _point_to(target, first)


def _point_to(target: Path, version: Path) -> None:
    """The pointer renamed over by a new link to `version`: readers open one version or the other."""
    link = _temporary(target, "link")
    os.symlink(version.name, link)
    os.replace(link, target)
    fsync(target.parent)


def fsync(path: Path) -> None:
    """A new version on disk before the pointer names it (and the rename before the publish ends)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --------------------------------------------------------------------------- digests


def _columns(
    connection: duckdb.DuckDBPyConnection, database: str, relations: Iterable[AnalystRelation]
) -> dict[AnalystRelation, tuple[tuple[str, str], ...]]:
    """The columns (name, type, in order) of each of `relations` the attached `database` has, in one
    query (DuckDB lists columns slowly, a few milliseconds a call)."""
    wanted = {(relation.schema, relation.name): relation for relation in relations}
    rows = connection.execute(
        "select schema_name, table_name, list((column_name, data_type) order by column_index)"
        " from duckdb_columns() where database_name = ? group by all",
        [database],
    ).fetchall()
    return {
        wanted[(schema, name)]: tuple(tuple(column) for column in columns)
        for schema, name, columns in rows
        if (schema, name) in wanted
    }


def _days_filter(days: Collection[Part]) -> tuple[str, list[date]]:
    """`where` the partition_date is one of `days` (None: rows without one), with its parameters."""
    dated = sorted(day for day in days if isinstance(day, date))
    clauses = [f"{quoted(FACT_DAY_COLUMN)} in ({', '.join('?' for _ in dated)})"] if dated else []
    if None in days:
        clauses.append(f"{quoted(FACT_DAY_COLUMN)} is null")
    return " where " + " or ".join(clauses), dated


def _counted(
    connection: duckdb.DuckDBPyConnection,
    database: str,
    relation: AnalystRelation,
    columns: tuple,
    days: Collection[Part] | None = None,
) -> dict[Part, Counted]:
    """The table's parts counted and hashed; of a table by day, only `days` when given."""
    table = _table(database, relation)
    if any(name == FACT_DAY_COLUMN for name, _ in columns):
        where, parameters = _days_filter(days) if days is not None else ("", [])
        rows = connection.execute(
            f"select {quoted(FACT_DAY_COLUMN)}, {PART_DIGEST} from {table}{where} group by all", parameters
        ).fetchall()
        return {day: (count, int(total)) for day, count, total in rows}
    [(count, total)] = connection.execute(f"select {PART_DIGEST} from {table}").fetchall()
    return {WHOLE: (count, int(total))} if count else {}


def digests(
    connection: duckdb.DuckDBPyConnection, database: str, relations: Iterable[AnalystRelation]
) -> dict[AnalystRelation, Digest]:
    """The digest of each of `relations` the attached `database` has."""
    return {
        relation: Digest(columns, _counted(connection, database, relation, columns))
        for relation, columns in _columns(connection, database, relations).items()
    }


def recorded_parts(
    connection: duckdb.DuckDBPyConnection, relations: Iterable[AnalystRelation]
) -> dict[AnalystRelation, dict[Part, Counted]]:
    """The parts the warehouse's publish recorded, of each of `relations` it lists as recorded
    whole (none before the first build that records them, or after an erasure)."""
    schema = f"{quoted(SOURCE)}.{quoted(settings.layer_schema(DIGESTS_LAYER))}"
    try:
        listed = connection.execute(f"select schema_name, table_name from {schema}.digested_relations").fetchall()
        rows = connection.execute(
            f"select schema_name, table_name, part_date, whole, row_count, row_hash from {schema}.digests"
        ).fetchall()
    except duckdb.CatalogException:
        return {}
    wanted = {(relation.schema, relation.name): relation for relation in relations}
    parts: dict[AnalystRelation, dict[Part, Counted]] = {wanted[key]: {} for key in listed if key in wanted}
    for schema_name, table_name, day, whole, count, total in rows:
        relation = wanted.get((schema_name, table_name))
        if relation in parts:
            parts[relation][WHOLE if whole else day] = (count, int(total))
    return parts


def warehouse_digests(
    connection: duckdb.DuckDBPyConnection, relations: Iterable[AnalystRelation]
) -> dict[AnalystRelation, Digest]:
    """The digest of each of `relations` the warehouse (attached as SOURCE) has: its parts as its
    publish recorded them, or hashed here when it recorded none."""
    recorded = recorded_parts(connection, relations)
    return {
        relation: Digest(columns, recorded[relation])
        if relation in recorded
        else Digest(columns, _counted(connection, SOURCE, relation, columns))
        for relation, columns in _columns(connection, SOURCE, relations).items()
    }


def _part_order(part: Part) -> tuple[bool, str]:
    return part is None, str(part)


def _reason(part: Part, ours: Counted | None, theirs: Counted | None) -> str:
    if ours is None:
        said = f"{theirs[0] if theirs else 0} row(s) in the warehouse, none in the analysts' file"
    elif theirs is None:
        said = f"{ours[0]} row(s) in the analysts' file, none in the warehouse"
    elif ours[0] != theirs[0]:
        said = f"{ours[0]} row(s) in the analysts' file, {theirs[0]} in the warehouse"
    else:
        said = f"the same row count ({ours[0]}), different rows"
    return f"rows without a {FACT_DAY_COLUMN}: {said}" if part is None else said


def differences(
    ours: dict[AnalystRelation, Digest], theirs: dict[AnalystRelation, Digest], relations: Sequence[AnalystRelation]
) -> list[CopyDifference]:
    """Every day (or whole table) of `relations` whose digest in the analysts' file (`ours`)
    differs from the warehouse's (`theirs`), in order."""
    found = []
    for relation in relations:
        wanted, have = theirs.get(relation), ours.get(relation)
        if wanted is None:
            found.append(CopyDifference(relation, None, "not in the warehouse"))
        elif have is None:
            found.append(CopyDifference(relation, None, "missing from the analysts' file"))
        elif have.columns != wanted.columns:
            found.append(CopyDifference(relation, None, "the columns or their types differ"))
        else:
            for part in _differing(have, wanted):
                reason = _reason(part, have.parts.get(part), wanted.parts.get(part))
                found.append(CopyDifference(relation, part if isinstance(part, date) else None, reason))
    return found


def _differing(have: Digest, wanted: Digest) -> list[Part]:
    """The parts (days, or the whole table) whose rows differ, in order."""
    parts = have.parts.keys() | wanted.parts.keys()
    return sorted((part for part in parts if have.parts.get(part) != wanted.parts.get(part)), key=_part_order)


# --------------------------------------------------------------------------- digests kept beside the files


def _stamp(path: Path) -> list[int] | None:
    """What changes whenever the file is written: inode, size, modification time; None while a
    write-ahead log beside it holds changes the file does not."""
    if _wal(path).exists() or not path.is_file():
        return None
    status = path.stat()
    return [status.st_ino, status.st_size, status.st_mtime_ns]


def _part_to_json(part: Part) -> str | None:
    return part.isoformat() if isinstance(part, date) else part


def _part_from_json(part: str | None) -> Part:
    return part if part in (None, WHOLE) else date.fromisoformat(part)


def _load_kept(target: Path) -> dict[str, Any]:
    """The kept digests by version name; none when absent, unreadable or of another DuckDB."""
    try:
        kept = json.loads(_digests_path(target).read_text())
    except (OSError, ValueError):
        return {}
    return kept.get("files", {}) if kept.get("duckdb") == duckdb.__version__ else {}


def _kept(kept: dict[str, Any], version: Path) -> dict[AnalystRelation, Digest] | None:
    """The digests kept for `version` while it is unchanged since they were computed; else None."""
    entry = kept.get(version.name)
    stamp = _stamp(version)
    if entry is None or stamp is None or entry.get("stamp") != stamp:
        return None
    try:
        return {
            AnalystRelation(table["schema"], table["name"]): Digest(
                tuple((name, kind) for name, kind in table["columns"]),
                {_part_from_json(part): (count, total) for part, count, total in table["parts"]},
            )
            for table in entry["tables"]
        }
    except (KeyError, TypeError, ValueError):
        return None


def _keep(kept: dict[str, Any], version: Path, found: dict[AnalystRelation, Digest]) -> None:
    kept[version.name] = {
        "stamp": _stamp(version),
        "tables": [
            {
                "schema": relation.schema,
                "name": relation.name,
                "columns": [list(column) for column in digest.columns],
                "parts": [[_part_to_json(part), *counted] for part, counted in digest.parts.items()],
            }
            for relation, digest in found.items()
        ],
    }


def _save_kept(target: Path, kept: dict[str, Any]) -> None:
    """Written beside, then renamed in; private (a digest tells nothing the file does not, but
    nobody else needs it)."""
    written = _temporary(target, "json")
    written.write_text(json.dumps({"duckdb": duckdb.__version__, "files": kept}))
    os.chmod(written, settings.PRIVATE_FILE_MODE)
    os.replace(written, _digests_path(target))


# --------------------------------------------------------------------------- publish and compare


def _connection() -> duckdb.DuckDBPyConnection:
    spill = settings.make_private_dirs(settings.duckdb_spill_dir())
    connection = duckdb.connect()
    connection.execute("set memory_limit = ?", [settings.duckdb_memory_limit()])
    connection.execute("set temp_directory = ?", [str(spill)])
    return connection


def publish(
    source: Path,
    target: Path,
    relations: Sequence[AnalystRelation],
    log: Callable[[str], None],
    fresh: bool = False,
) -> CopyPublished:
    """Make the standby version of the analysts' file at `target` equal to `relations` of the
    warehouse file `source`, and point `target` at it if it then compares equal. `fresh` writes the
    new version from nothing and deletes the other one, so no block of either keeps a value that
    has since changed (after an erasure).

    One publisher at a time per file (a lock beside it); the caller holds the warehouse, so
    `source` does not change meanwhile."""
    group = settings.analysts_group()
    _prepare_folder(target, source, group)
    with file_lock(_lock_path(target), exclusive=True, what="publish for analysts", log=log):
        _clear_leftovers(target)
        _adopt_plain_file(target)
        kept = _load_kept(target)
        current = current_file(target)
        standby = slot_path(target, SLOTS[1] if current == slot_path(target, SLOTS[0]) else SLOTS[0])
        published = CopyPublished(version=standby.name, started_from="")
        connection = _connection()
        try:
            ours = _attach_standby(connection, target, current, standby, kept, fresh, published, log)
            # Written from here on: its kept digests no longer hold, even if this publish is killed.
            kept.pop(standby.name, None)
            _save_kept(target, kept)
            repaired = _repair(connection, source, relations, ours, published)
        finally:
            connection.close()
        _hand_over(standby, group)
        fsync(standby)
        _keep(kept, standby, repaired)
        if not published.differences:
            _point_to(target, standby)
            if fresh and current is not None and current != standby:
                _remove(current)
                kept.pop(current.name, None)
            _write_the_next_standby(target, standby, group, kept)
        _save_kept(target, kept)
    return published


def _write_the_next_standby(target: Path, version: Path, group: int | None, kept: dict[str, Any]) -> None:
    """The other version, when there is none, written as a copy of `version` (just published, so
    nobody holds the other slot), with its digests."""
    other = slot_path(target, SLOTS[1] if version == slot_path(target, SLOTS[0]) else SLOTS[0])
    if other.is_file():
        return
    _copy_version(target, version, other)
    _hand_over(other, group)
    fsync(other)
    kept[other.name] = {**kept[version.name], "stamp": _stamp(other)}


def _copy_version(target: Path, version: Path, destination: Path) -> None:
    """`version` copied whole to `destination`, through a temporary file beside the pointer (a kill
    leaves no half copy under a version's name)."""
    copied = _temporary(target, "tmp")
    shutil.copyfile(version, copied)
    os.replace(copied, destination)


def _attach_standby(
    connection: duckdb.DuckDBPyConnection,
    target: Path,
    current: Path | None,
    standby: Path,
    kept: dict[str, Any],
    fresh: bool,
    published: CopyPublished,
    log: Callable[[str], None],
) -> dict[AnalystRelation, Digest] | None:
    """The standby attached for writing as COPY, and its digests if they are kept (None: to be
    computed). Held by a reader since two publishes ago, damaged or missing, it is replaced first
    by a copy of the current version; with `fresh`, by an empty file."""
    attach = f"attach {literal(str(standby))} as {COPY}"
    if fresh:
        _remove(standby)
        connection.execute(attach)
        published.started_from = "nothing (written anew)"
        return {}
    if standby.is_file():
        ours = _kept(kept, standby)
        try:
            connection.execute(attach)
            published.started_from = "the standby version, one publish behind"
            return ours
        except duckdb.Error as error:
            problem = str(error).splitlines()[0]
            log(f"analysts' file: {standby.name} cannot be written ({problem}); replaced by a copy of the current")
    _remove(standby)
    if current is None:
        connection.execute(attach)
        published.started_from = "nothing (the first version)"
        return {}
    _copy_version(target, current, standby)
    connection.execute(attach)
    published.started_from = f"a copy of {current.name}"
    # A byte-for-byte copy has the current version's digests.
    return _kept(kept, current)


def _repair(
    connection: duckdb.DuckDBPyConnection,
    source: Path,
    relations: Sequence[AnalystRelation],
    ours: dict[AnalystRelation, Digest] | None,
    published: CopyPublished,
) -> dict[AnalystRelation, Digest]:
    """Copy into the standby (COPY) every day and table of `relations` whose digest differs from the
    warehouse's, drop what is not published, and compare again from the standby's own rows; the
    standby's digests afterwards."""
    connection.execute(f"attach {literal(str(source))} as {SOURCE} (read_only)")
    theirs = warehouse_digests(connection, relations)
    if missing := [str(relation) for relation in relations if relation not in theirs]:
        raise RuntimeError(f"cannot publish {', '.join(missing)} for analysts: the warehouse has no such table")
    if ours is None:
        ours = digests(connection, COPY, relations)
    found = differences(ours, theirs, relations)
    published.differences_found = len(found) + len(_unpublished(connection, relations))
    repaired = {}
    for relation in relations:
        repaired[relation] = _repair_table(connection, relation, ours.get(relation), theirs[relation], published)
        published.tables_by_schema[relation.schema] = published.tables_by_schema.get(relation.schema, 0) + 1
    published.dropped = _drop_unpublished(connection, relations)
    published.differences = differences(repaired, theirs, relations)
    connection.execute(f"checkpoint {COPY}")
    connection.execute(f"detach {COPY}")
    connection.execute(f"detach {SOURCE}")
    return repaired


def _repair_table(
    connection: duckdb.DuckDBPyConnection,
    relation: AnalystRelation,
    have: Digest | None,
    wanted: Digest,
    published: CopyPublished,
) -> Digest:
    """One table made equal: the days that differ deleted and copied again, or the whole table
    replaced (any other table, or one new here or whose columns changed); its digest read back."""
    if have == wanted:
        return have
    ours, theirs = _table(COPY, relation), _table(SOURCE, relation)
    if have is not None and have.columns == wanted.columns and wanted.by_day:
        days = _differing(have, wanted)
        where, parameters = _days_filter(days)
        connection.execute(f"delete from {ours}{where}", parameters)
        connection.execute(f"insert into {ours} by name select * from {theirs}{where}", parameters)
        published.days_repaired += len(days)
        unchanged = {part: counted for part, counted in have.parts.items() if part not in days}
        return Digest(have.columns, unchanged | _counted(connection, COPY, relation, have.columns, days))
    connection.execute(f"create schema if not exists {quoted(COPY)}.{quoted(relation.schema)}")
    connection.execute(f"create or replace table {ours} as select * from {theirs}")
    published.replaced_whole += 1
    [columns] = _columns(connection, COPY, [relation]).values()
    return Digest(columns, _counted(connection, COPY, relation, columns))


def _listed(connection: duckdb.DuckDBPyConnection, kind: str) -> list[tuple[str, str]]:
    return connection.execute(
        f"select schema_name, {kind}_name from duckdb_{kind}s()"
        " where database_name = ? and not internal and not temporary order by all",
        [COPY],
    ).fetchall()


def _unpublished(connection: duckdb.DuckDBPyConnection, relations: Sequence[AnalystRelation]) -> list[AnalystRelation]:
    """The analysts' file's tables and views that are not published (a model since removed)."""
    keep = {(relation.schema, relation.name) for relation in relations}
    return [
        AnalystRelation(schema, name)
        for kind in ("table", "view")
        for schema, name in _listed(connection, kind)
        if (schema, name) not in keep
    ]


def _drop_unpublished(connection: duckdb.DuckDBPyConnection, relations: Sequence[AnalystRelation]) -> int:
    """Drop every table, view and schema of the file that is not published (a model since removed,
    a schema no longer published): the file holds what analysts may read and nothing else."""
    dropped = 0
    for kind in ("table", "view"):
        keep = {(relation.schema, relation.name) for relation in relations}
        for schema, name in _listed(connection, kind):
            if (schema, name) not in keep:
                connection.execute(f"drop {kind} if exists {quoted(COPY)}.{quoted(schema)}.{quoted(name)} cascade")
                dropped += 1
    schemas = {relation.schema for relation in relations}
    rows = connection.execute(
        "select schema_name from duckdb_schemas() where database_name = ? and not internal", [COPY]
    ).fetchall()
    for (schema,) in rows:
        if schema not in schemas and schema not in BUILT_IN_SCHEMAS:
            connection.execute(f"drop schema if exists {quoted(COPY)}.{quoted(schema)} cascade")
    return dropped


def compare(
    source: Path, target: Path, relations: Sequence[AnalystRelation], log: Callable[[str], None]
) -> list[CopyDifference]:
    """The analysts' file that `target` names now against `relations` of the warehouse file
    `source`, both digested anew: every day and table that differs, and every table it holds that
    is not published. Between publishes (the lock, shared), so a publish's switch is never half seen."""
    if current_file(target) is None:
        return [CopyDifference(relation, None, "no analysts' file yet") for relation in relations]
    with file_lock(_lock_path(target), exclusive=False, what="compare the analysts' file", log=log):
        version = current_file(target)
        connection = _connection()
        try:
            connection.execute(f"attach {literal(str(source))} as {SOURCE} (read_only)")
            connection.execute(f"attach {literal(str(version))} as {COPY} (read_only)")
            found = differences(digests(connection, COPY, relations), digests(connection, SOURCE, relations), relations)
            extra = _unpublished(connection, relations)
        finally:
            connection.close()
    return found + [CopyDifference(relation, None, "not published to analysts") for relation in extra]


# --------------------------------------------------------------------------- handing it over


def _prepare_folder(target: Path, warehouse: Path, group: int | None) -> None:
    """The analysts' file's folder: private like the data folder when no group is given; with a
    group, outside the engineers' private folder (its members could not reach it there), and each
    folder created for it readable by the group (0750)."""
    if group is None:
        settings.make_private_dirs(target.parent)
        return
    private = warehouse.parent.resolve()
    if private in target.parent.resolve().parents or private == target.parent.resolve():
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


def _hand_over(version: Path, group: int | None) -> None:
    """The new version's mode before the pointer names it: the group may read it, or nobody else may."""
    if group is None:
        os.chmod(version, settings.PRIVATE_FILE_MODE)
    else:
        _give_to_group(version, group, SHARED_FILE_MODE)


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
    would let the reader open, this connection reaches only the analysts' tables.

    The pointer is resolved once: the connection keeps that version while later publishes switch."""
    version = current_file(Path(path))
    while True:
        if version is None:
            raise FileNotFoundError(f"no analysts' file at {path}: materialising analysts/analysts_file publishes it")
        try:
            return duckdb.connect(str(version), read_only=True, config=ANALYST_CONFIG)
        except duckdb.IOException:
            # Resolved just before two publishes: the second writes that version now; open the new one.
            latest = current_file(Path(path))
            if latest == version:
                raise
            version = latest
