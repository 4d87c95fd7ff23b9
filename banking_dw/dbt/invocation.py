"""What one dbt invocation needs around it: a target folder of its own, the parse state of the last
run on the same warehouse, and the environment its subprocess reads. The dbt step and the erasure
job both start dbt this way."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from banking_dw.dbt.project import dbt_project
from banking_dw.warehouse import WarehouseResource

PARTIAL_PARSE_FILE = "partial_parse.msgpack"


@contextmanager
def build_folder(project_target: Path, run_id: str) -> Iterator[Path]:
    """A folder of its own for one dbt invocation's files (the SQL of every node it ran), removed
    when the invocation succeeds, so a daily schedule does not fill the disk. A failed or killed
    build's folder stays, for reading what dbt compiled and ran."""
    folder = project_target / f"dbt_models-{run_id[:7]}-{uuid.uuid4().hex[:7]}"
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def seed_partial_parse(state: Path, invocation_target: Path) -> None:
    """Start dbt from the parse state of the last run on this warehouse.

    dagster-dbt gives each invocation its own target folder and, when that folder has no state
    yet, copies the project's (the one `make install` parsed); a first run on a warehouse starts
    from that."""
    if state.is_file():
        invocation_target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(state, invocation_target / PARTIAL_PARSE_FILE)


def keep_partial_parse(invocation_target: Path, state: Path) -> None:
    """Make this run's parse state the one the next run on this warehouse starts from."""
    produced = Path(invocation_target) / PARTIAL_PARSE_FILE
    if not produced.is_file():
        return
    state.parent.mkdir(parents=True, exist_ok=True)
    staging = state.with_name(f".{state.name}.{os.getpid()}")
    shutil.copyfile(produced, staging)
    os.replace(staging, state)


@contextmanager
def subprocess_environment(variables: Mapping[str, str]) -> Iterator[None]:
    """`variables` set for the dbt subprocess, which DbtCliResource starts with this process's
    environment; restored afterwards so no later step sees this run's window."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def project_target() -> Path:
    """The dbt project's target folder: each invocation's own folder is made inside it."""
    project = dbt_project()
    return Path(project.project_dir) / project.target_path


def parse_state(warehouse: WarehouseResource) -> Path:
    """Where the parse state of the last run on `warehouse` is kept (the project's, if the
    warehouse keeps none of its own)."""
    return warehouse.dbt_parse_state_path() or project_target() / PARTIAL_PARSE_FILE
