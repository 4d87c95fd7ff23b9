"""The one dbt project every dbt asset is built from."""

from __future__ import annotations

from functools import cache

from dagster_dbt import DbtProject

from banking_dw import settings


@cache
def dbt_project() -> DbtProject:
    """Cached so the manifest is located (and, under `dagster dev`, re-parsed) once per process."""
    project = DbtProject(project_dir=settings.dbt_project_dir(), profiles_dir=settings.dbt_project_dir())
    project.prepare_if_dev()
    return project
