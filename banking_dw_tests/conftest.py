import pickle
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from filelock import FileLock

from banking_dw.generator import Scale, generate_day
from banking_dw.warehouse import DuckDBWarehouse

# The moto S3/Glue server fixture, for the aws target's tests.
pytest_plugins = ["banking_dw_tests.moto_server"]

# Small enough for a quick suite, big enough that every status, type and change path occurs.
TEST_TRANSACTIONS_PER_DAY = 400
TEST_SEED = 7
WINDOW_SEARCH_START = date(2024, 1, 1)
WINDOW_SEARCH_DAYS = 180


def _changed_versions(before: pa.Table, after: pa.Table, key: str) -> int:
    joined = before.select([key, "updated_at"]).join(after.select([key, "updated_at"]), key, right_suffix="_after")
    return pc.sum(pc.not_equal(joined["updated_at"], joined["updated_at_after"])).as_py() or 0


@pytest.fixture(scope="session")
def window() -> tuple[str, str]:
    """Two consecutive days, the second changing at least one customer and one account.

    Customers change every few years and accounts every few months, as in a real bank, so two
    arbitrary days often change nothing; SCD2 needs real history to be tested.
    """
    scale = Scale(transactions_per_day=TEST_TRANSACTIONS_PER_DAY, seed=TEST_SEED)
    day, previous = WINDOW_SEARCH_START, generate_day(WINDOW_SEARCH_START, scale)
    for _ in range(WINDOW_SEARCH_DAYS):
        following = day + timedelta(days=1)
        current = generate_day(following, scale)
        if _changed_versions(previous["dim_customers"], current["dim_customers"], "customer_id") and _changed_versions(
            previous["dim_accounts"], current["dim_accounts"], "account_id"
        ):
            return day.isoformat(), following.isoformat()
        day, previous = following, current
    raise AssertionError(f"no customer and account change within {WINDOW_SEARCH_DAYS} days of {WINDOW_SEARCH_START}")


@contextmanager
def warehouse_environment(data_dir: Path) -> Iterator[Path]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BANKING_DW_DATA_DIR", str(data_dir))
        patch.setenv("BANKING_DW_TRANSACTIONS_PER_DAY", str(TEST_TRANSACTIONS_PER_DAY))
        patch.setenv("BANKING_DW_SEED", str(TEST_SEED))
        patch.delenv("BANKING_DW_TARGET", raising=False)
        yield data_dir


def materialize(
    selection: str,
    first_day: str,
    last_day: str | None = None,
    instance: dg.DagsterInstance | None = None,
    raise_on_error: bool = True,
) -> dg.ExecuteInProcessResult:
    """Run the selection for days first_day..last_day (inclusive, as the CLI's range) in-process."""
    from banking_dw.definitions import defs

    definitions = defs()
    graph = definitions.resolve_asset_graph()
    keys = dg.AssetSelection.from_string(selection).resolve(graph)
    job = definitions.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(
        instance=instance or dg.DagsterInstance.ephemeral(),
        asset_selection=list(keys),
        tags={
            "dagster/asset_partition_range_start": first_day,
            "dagster/asset_partition_range_end": last_day or first_day,
        },
        raise_on_error=raise_on_error,
    )


def failed_checks(result: dg.ExecuteInProcessResult) -> dict[str, str]:
    return {
        f"{e.asset_key.to_user_string()}:{e.check_name}": e.description or ""
        for e in result.get_asset_check_evaluations()
        if not e.passed
    }


def copy_data_dir(source: Path, target: Path, *, warehouse: bool = True) -> Path:
    """A built data directory copied for a test to change; the writer's lock file is not copied,
    so the copy starts with no holder recorded. Without `warehouse`, only the files are copied
    (raw and lake), and the copy's warehouse starts empty."""
    ignored = ["*.lock"] if warehouse else ["*.lock", "warehouse.duckdb*"]
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(*ignored))
    return target


def query(data_dir: Path, sql: str, params: Iterable[object] = ()) -> pd.DataFrame:
    warehouse = DuckDBWarehouse(path=str(data_dir / "warehouse.duckdb"), lake_root=str(data_dir / "lake"))
    with warehouse.connect(read_only=True) as connection:
        return connection.execute(sql, list(params)).df()


@dataclass(frozen=True)
class BuiltRun:
    """What the tests read of the run that built `built`, kept so every worker can read it."""

    run_id: str
    success: bool
    check_evaluations: list[dg.AssetCheckEvaluation]
    materializations: list[dg.AssetMaterialization]

    def get_asset_check_evaluations(self) -> list[dg.AssetCheckEvaluation]:
        return self.check_evaluations


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
        materialize("group:bronze or group:silver or group:gold or group:reports", second)
        materialize("group:bronze or group:silver or group:gold or group:reports", first)
        yield data_dir


# The slow modules, in the order `make test` starts them (--no-loadscope-reorder). xdist gives a
# worker its next module as soon as its current one has two tests or fewer left, so a one-test
# module is paired at once with the module after it: the two live-Dagster suites (test_alerts_live,
# test_ui_backfill) are kept apart, test_pipeline builds `built` while the next two, which do not
# need it, run, and the quick modules fill the gaps at the end (measured: docs/benchmarks.md).
SLOW_MODULES_FIRST = [
    "test_pipeline",
    "test_alerts_live",
    "test_dbt_project",
    "test_fault_matrix",
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
