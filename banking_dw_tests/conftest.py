import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock

from .support import BuiltRun, copy_data_dir, materialize, two_days_with_changes, warehouse_environment

# The moto S3/Glue server fixture, for the aws target's tests.
pytest_plugins = ["banking_dw_tests.moto_server"]


@pytest.fixture(scope="session")
def window() -> tuple[str, str]:
    """Two consecutive days, the second changing at least one customer and one account."""
    return two_days_with_changes()


@pytest.fixture(scope="session")
def built(tmp_path_factory, window, worker_id) -> tuple[Path, BuiltRun]:
    """Both days in one run, as `make run` does for its window.

    Built once per `make test` and shared by its workers (each would otherwise build it again):
    the first worker to ask builds it under a lock in the session's folder, the others wait and
    read it. Consumers only read it; a test that changes it works on a `copy_data_dir`.
    """
    # Under xdist every worker's base temp folder is inside the session's; alone, it is the session's.
    session_dir = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    data_dir, run_file = session_dir / "built" / "data", session_dir / "built" / "run.pickle"
    with FileLock(session_dir / "built.lock"):
        if not run_file.exists():
            with warehouse_environment(data_dir):
                result = materialize("*", *window)
            run = BuiltRun(
                result.run_id,
                result.success,
                result.get_asset_check_evaluations(),
                [
                    event.step_materialization_data.materialization
                    for event in result.get_asset_materialization_events()
                ],
            )
            run_file.write_bytes(pickle.dumps(run))
    return data_dir, pickle.loads(run_file.read_bytes())


@pytest.fixture(scope="session")
def built_backwards(built, tmp_path_factory, window) -> Iterator[Path]:
    """The same two days, loaded through the warehouse newest first, one run per day.

    The raw and landed files are `built`'s (generating and landing them again gives the same
    bytes); the warehouse starts empty."""
    first, second = window
    data_dir = copy_data_dir(built[0], tmp_path_factory.mktemp("out_of_order") / "data", warehouse=False)
    with warehouse_environment(data_dir):
        materialize("group:bronze or group:silver or group:gold or group:restricted or group:reports", second)
        materialize("group:bronze or group:silver or group:gold or group:restricted or group:reports", first)
        yield data_dir


# The slow modules, in the order `make test` starts them (--no-loadscope-reorder). xdist gives a
# worker its next module as soon as its current one has two tests or fewer left, so a one-test
# module is paired at once with the module after it: the two live-Dagster suites (test_alerts_live,
# test_ui_backfill) are kept apart, test_pipeline builds `built` while the next two, which do not
# need it, run, and the quick modules fill the gaps at the end (docs/benchmarks.md).
SLOW_MODULES_FIRST = [
    "test_pipeline",
    "test_alerts_live",
    "test_dbt_project",
    "test_fault_matrix",
    "test_fault_matrix_publish",
    "test_ui_backfill",
    "test_second_engine",
    "test_crash_recovery",
    "test_redshift_sql",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow suites first (stable, so each module keeps its order), in SLOW_MODULES_FIRST's order."""

    def rank(item: pytest.Item) -> tuple[bool, int]:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        listed = SLOW_MODULES_FIRST.index(module) if module in SLOW_MODULES_FIRST else len(SLOW_MODULES_FIRST)
        return item.get_closest_marker("slow") is None, listed

    items.sort(key=rank)
