"""Where things live and which target runs, read from the environment when asked (never at import)."""

from __future__ import annotations

import grp
import os
import re
import secrets
from enum import Enum
from pathlib import Path

PROJECT_ROOT_ENV = "BANKING_DW_PROJECT_ROOT"


class SettingError(ValueError):
    """An environment variable the project cannot use; the message is one line naming it."""


class Target(str, Enum):
    LOCAL = "local"
    AWS = "aws"


def repository_root() -> Path:
    """BANKING_DW_PROJECT_ROOT (an installed package has no checkout around it), else the
    checkout this package sits in, as an editable install has."""
    configured = os.environ.get(PROJECT_ROOT_ENV)
    if configured:
        return Path(configured).expanduser().resolve()
    return Path(__file__).resolve().parent.parent


def dbt_project_dir() -> Path:
    return repository_root() / "dbt_project"


def target() -> Target:
    raw = os.environ.get("BANKING_DW_TARGET", Target.LOCAL.value)
    try:
        return Target(raw)
    except ValueError:
        raise ValueError(
            f"BANKING_DW_TARGET={raw!r} is not a known target; use one of {', '.join(t.value for t in Target)}"
        ) from None


def data_dir() -> Path:
    """Root of every generated file: BANKING_DW_DATA_DIR, or data/ under the repository root."""
    configured = os.environ.get("BANKING_DW_DATA_DIR")
    if not configured:
        return repository_root() / "data"
    path = Path(configured).expanduser()
    return path if path.is_absolute() else repository_root() / path


def warehouse_path() -> Path:
    return data_dir() / "warehouse.duckdb"


def lake_dir() -> Path:
    """The local target's lake, which its DuckDB warehouse's bronze views read."""
    return data_dir() / "lake"


# What comes before each layer's schema (dev_gold): dbt's generate_schema_name reads it too.
SCHEMA_PREFIX_ENV = "BANKING_DW_SCHEMA_PREFIX"
DEFAULT_SCHEMA_PREFIX = "dev"


# A name that reaches SQL unquoted: lowercase (every engine folds unquoted names to one case),
# short enough that `<prefix>_test_failures` fits PostgreSQL's 63 characters.
PLAIN_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,39}")


def plain_identifier(name: str, value: str) -> str:
    """`value` when it is a plain SQL identifier; a one-line SettingError naming `name` otherwise,
    before any SQL is built from it (macros/generate_schema_name.sql refuses the same in dbt)."""
    if PLAIN_IDENTIFIER.fullmatch(value):
        return value
    shown = value if len(value) <= 60 else value[:60] + "..."
    raise SettingError(
        f"{name}={shown!r} is not a plain identifier: use at most 40 lowercase letters, digits and"
        " underscores, starting with a letter or underscore (for example dev or prod)"
    )


def schema_prefix() -> str:
    """As dbt's schema_prefix() macro reads it (macros/generate_schema_name.sql), and refused
    the same way when it is not a plain identifier."""
    return plain_identifier(SCHEMA_PREFIX_ENV, os.environ.get(SCHEMA_PREFIX_ENV, DEFAULT_SCHEMA_PREFIX))


def layer_schema(layer: str) -> str:
    """The schema a layer's relations live in, as dbt names it: `dev_bronze`, `dev_reports`."""
    return f"{schema_prefix()}_{layer}"


ANALYSTS_PATH_ENV = "BANKING_DW_ANALYSTS_PATH"
ANALYSTS_GROUP_ENV = "BANKING_DW_ANALYSTS_GROUP"


def analysts_path() -> Path:
    """The local target's DuckDB file for analysts (masked gold and the reports, never the
    restricted schema): BANKING_DW_ANALYSTS_PATH, or analysts/analysts.duckdb in the data directory
    (private there, like everything in it: set a path outside it and a group to hand it over)."""
    configured = os.environ.get(ANALYSTS_PATH_ENV, "").strip()
    if not configured:
        return data_dir() / "analysts" / "analysts.duckdb"
    path = Path(configured).expanduser()
    return path if path.is_absolute() else repository_root() / path


def analysts_group() -> int | None:
    """The group whose members may read the analysts' file (BANKING_DW_ANALYSTS_GROUP, a name or a
    number), or None: the file is then private to its owner like the rest."""
    configured = os.environ.get(ANALYSTS_GROUP_ENV, "").strip()
    if not configured:
        return None
    try:
        return grp.getgrnam(configured).gr_gid
    except KeyError:
        if configured.isdigit():
            return int(configured)
        raise SettingError(f"{ANALYSTS_GROUP_ENV}={configured!r} is not a group of this machine") from None


# The secret analysts' pseudonyms are keyed with (macros/gold/masking.sql): without it, a masked
# email cannot be confirmed from a candidate address. Never stored in the warehouse; it reaches dbt
# in its environment at execution.
MASKING_KEY_ENV = "BANKING_DW_MASKING_KEY"
# At least 32 characters a SQL string literal carries as they are (base64, hex, URL-safe).
_MASKING_KEY = re.compile(r"[A-Za-z0-9+/=_.~-]{32,}")


def masking_key(local_default: Path | None) -> str:
    """BANKING_DW_MASKING_KEY; else, where a local default is allowed (the local target), the key
    generated once into `local_default` (beside the warehouse, 0600). Refused in one line, never
    quoting the key, when it is too short or has characters a SQL literal would change."""
    configured = os.environ.get(MASKING_KEY_ENV, "").strip()
    if configured:
        return valid_masking_key(configured, MASKING_KEY_ENV)
    if local_default is None:
        raise SettingError(f"{MASKING_KEY_ENV} is not set: give the warehouse's pseudonyms a secret key")
    path = Path(local_default)
    if not path.is_file():
        make_private_dirs(path.parent)
        staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        try:
            os.link(staging, path)  # whole, and never over a key another process made meanwhile
        except FileExistsError:
            pass
        finally:
            staging.unlink()
    return valid_masking_key(path.read_text().strip(), str(path))


def valid_masking_key(key: str, source: str) -> str:
    if not _MASKING_KEY.fullmatch(key):
        raise SettingError(
            f"the masking key in {source} is not usable: give at least 32 characters of letters, digits"
            " and + / = _ . ~ - (for example `openssl rand -hex 32`)"
        )
    return key


# Only the owner may read, write or enter what the project creates: the data folder holds the bank's
# clear personal data (raw files, lake, warehouse).
PRIVATE_UMASK = 0o077
PRIVATE_FOLDER_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_by_default() -> None:
    """From now on, every file and folder this process creates, and the processes it starts (dbt,
    DuckDB's files), is its owner's only, whatever the umask it was started with (stricter bits are
    kept). The entry points call it first; so does everything that writes the data folder."""
    current = os.umask(PRIVATE_UMASK)
    os.umask(current | PRIVATE_UMASK)


def make_private_file(path: Path) -> None:
    """A file the project wrote (a DuckDB database and its write-ahead log), private whatever
    created it: DuckDB and dbt create files with the process's umask only."""
    if Path(path).is_file():
        os.chmod(path, PRIVATE_FILE_MODE)


def make_private_dirs(folder: Path) -> Path:
    """`mkdir -p folder`, every folder it creates readable by this user only (0700), after
    `private_by_default`: whatever creates the data directory first (the raw file store, the lake's
    lock, the warehouse) creates it private, and everything created inside it afterwards too.

    A data directory that already exists open to other users (a mounted volume, a `mkdir -p` under a
    0022 umask) is tightened to 0700 when it is this user's, and refused in one line otherwise."""
    private_by_default()
    folder = Path(folder)
    missing = []
    current = folder
    while not current.exists():
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        try:
            os.mkdir(path, PRIVATE_FOLDER_MODE)
        except FileExistsError:  # created by another process meanwhile: its creator decided
            continue
        os.chmod(path, PRIVATE_FOLDER_MODE)  # whatever the umask
    root, resolved = data_dir().resolve(), folder.resolve()
    if resolved == root or root in resolved.parents:
        _tighten_data_dir(root)
    return folder


def _tighten_data_dir(root: Path) -> None:
    status = root.stat()
    if not status.st_mode & PRIVATE_UMASK:
        return
    if status.st_uid != os.getuid():
        raise SettingError(
            f"the data folder {root} (BANKING_DW_DATA_DIR) is open to other users and is not yours to"
            f" tighten: have its owner run `chmod 700 {root}`, or point BANKING_DW_DATA_DIR at a folder of your own"
        )
    os.chmod(root, PRIVATE_FOLDER_MODE)


# DuckDB holds at most this much memory per process (the warehouse through dbt, the raw checks) and
# spills the rest to disk, so a day of any size fits the machine; the default leaves room for the
# Python process beside it on a small machine.
DUCKDB_MEMORY_LIMIT_ENV = "BANKING_DW_DUCKDB_MEMORY_LIMIT"
DEFAULT_DUCKDB_MEMORY_LIMIT = "2GB"


def duckdb_memory_limit() -> str:
    return os.environ.get(DUCKDB_MEMORY_LIMIT_ENV, "").strip() or DEFAULT_DUCKDB_MEMORY_LIMIT


def duckdb_spill_dir() -> Path:
    """Where DuckDB spills what does not fit its memory limit: BANKING_DW_DUCKDB_SPILL_DIR, or a
    folder in the data directory."""
    configured = os.environ.get("BANKING_DW_DUCKDB_SPILL_DIR", "").strip()
    return Path(configured).expanduser() if configured else data_dir() / ".duckdb_spill"


# A long window is built by dbt chunk after chunk, so a backfill's spill, a failure's cost and the
# log's progress follow the data whatever its length. A chunk ends at the most landed rows or the
# most days, whichever comes first: rows measure the work (a year of a small bank is one chunk, ten
# days of a million transactions a day are one), days are the operator's knob.
ROWS_PER_CHUNK_ENV = "BANKING_DW_ROWS_PER_CHUNK"
DEFAULT_ROWS_PER_CHUNK = 20_000_000
DAYS_PER_CHUNK_ENV = "BANKING_DW_DAYS_PER_CHUNK"
DEFAULT_DAYS_PER_CHUNK = 366


def rows_per_chunk() -> int:
    return _positive_whole_number(ROWS_PER_CHUNK_ENV, DEFAULT_ROWS_PER_CHUNK, "rows")


def days_per_chunk() -> int:
    return _positive_whole_number(DAYS_PER_CHUNK_ENV, DEFAULT_DAYS_PER_CHUNK, "days")


def _positive_whole_number(name: str, default: int, unit: str) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name}={raw!r} is not a whole number of {unit} of at least 1")
    return int(raw)
