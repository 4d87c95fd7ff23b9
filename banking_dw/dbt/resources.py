"""The dbt command-line resource the dbt asset runs with.

The one module that overrides dagster-dbt's private methods: dagster-dbt offers no public way to
skip the two start-up steps below, which every dbt step would otherwise pay for before dbt starts.
banking_dw_tests/test_dbt_assets.py pins the dagster-dbt version and the methods overridden, so an
upgrade fails there first.
"""

import importlib.metadata
import sys
from functools import cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource
from packaging import version

from banking_dw import settings
from banking_dw.dbt.project import dbt_project


class InstalledDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt resource for the dbt installed beside this interpreter, without:

    - `dbt --version` in a subprocess, which imports dbt and every adapter and asks PyPI for the
      latest release, to learn a version this environment's dbt-core package already states;
    - a dbt adapter opened in this process, which dagster-dbt uses only to fetch row counts and
      column metadata after the build; here those come from a post-hook inside dbt
      (banking_dw/dbt/metadata.py).
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args) -> None:
        return None


def dbt_resource() -> InstalledDbtCliResource:
    # dbt's command line installed beside this interpreter (banking_dw/dbt/entry.py), so an
    # unactivated virtualenv still finds it.
    executable = Path(sys.executable).parent / "banking-dw-dbt"
    return InstalledDbtCliResource(
        project_dir=dbt_project(),
        profiles_dir=str(settings.dbt_project_dir()),
        dbt_executable=str(executable),
    )
