"""The one dbt project every dbt asset is built from."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from dagster_dbt import DbtProject

from banking_dw import settings


@cache
def dbt_project() -> DbtProject:
    """Cached so the manifest is located (and, under `dagster dev`, re-parsed) once per process."""
    project = DbtProject(project_dir=settings.dbt_project_dir(), profiles_dir=settings.dbt_project_dir())
    project.prepare_if_dev()
    return project


def dbt_manifest() -> dict[str, Any]:
    """The parsed manifest Dagster builds the graph from (nodes, relations, parents)."""
    path = dbt_project().manifest_path
    return _parsed_manifest(path, path.stat().st_mtime)


@cache
def _parsed_manifest(path: Path, mtime: float) -> dict[str, Any]:
    """Parsed once per manifest version: `dagster dev` re-parses the project when it changes."""
    return json.loads(path.read_text(encoding="utf-8"))
