from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

DAY_1, DAY_2 = "2024-01-01", "2024-01-02"
# Small enough for a quick suite, big enough that every status, type and change path occurs.
TEST_TRANSACTIONS_PER_DAY = 400


@contextmanager
def warehouse_environment(data_dir: Path) -> Iterator[Path]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BANKING_DW_DATA_DIR", str(data_dir))
        patch.setenv("BANKING_DW_TRANSACTIONS_PER_DAY", str(TEST_TRANSACTIONS_PER_DAY))
        patch.setenv("BANKING_DW_SEED", "7")
        patch.delenv("BANKING_DW_TARGET", raising=False)
        yield data_dir


def materialize(
    selection: str,
    first_day: str,
    last_day: str | None = None,
    instance: dg.DagsterInstance | None = None,
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
        raise_on_error=True,
    )


def failed_checks(result: dg.ExecuteInProcessResult) -> dict[str, str]:
    return {
        f"{e.asset_key.to_user_string()}:{e.check_name}": e.description or ""
        for e in result.get_asset_check_evaluations()
        if not e.passed
    }


def query(data_dir: Path, sql: str, params: Iterable[object] = ()) -> pd.DataFrame:
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as connection:
        return connection.execute(sql, list(params)).df()


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Iterator[tuple[Path, dg.ExecuteInProcessResult]]:
    """Both days in one run, as `make run` does for its window."""
    data_dir = tmp_path_factory.mktemp("in_order")
    with warehouse_environment(data_dir):
        result = materialize("*", DAY_1, DAY_2)
        yield data_dir, result


@pytest.fixture(scope="session")
def built_backwards(tmp_path_factory) -> Iterator[Path]:
    """The same two days, loaded through the warehouse newest first, one run per day."""
    data_dir = tmp_path_factory.mktemp("out_of_order")
    with warehouse_environment(data_dir):
        materialize("group:raw or group:landing or group:bronze", DAY_1, DAY_2)
        materialize("group:silver or group:gold or group:reports", DAY_2)
        materialize("group:silver or group:gold or group:reports", DAY_1)
        yield data_dir
