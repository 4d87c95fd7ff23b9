"""What the tests share: the test scale, running a selection in-process, reading what it built."""

import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from banking_dw import duckdb_analysts
from banking_dw.duckdb_warehouse import DuckDBWarehouse
from banking_dw.generator import Scale, generate_day
from banking_dw.warehouse import AnalystRelation

# Small enough for a quick suite, big enough that every status, type and change path occurs.
TEST_TRANSACTIONS_PER_DAY = 400
TEST_SEED = 7
# For the tests that run dbt themselves (the warehouse resource hands dbt its own key).
TEST_MASKING_KEY = "test-masking-key-not-a-secret-0123456789abcdef"
WINDOW_SEARCH_START = date(2024, 1, 1)
WINDOW_SEARCH_DAYS = 180
DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"


def _changed_versions(before: pa.Table, after: pa.Table, key: str) -> int:
    joined = before.select([key, "updated_at"]).join(after.select([key, "updated_at"]), key, right_suffix="_after")
    return pc.sum(pc.not_equal(joined["updated_at"], joined["updated_at_after"])).as_py() or 0


def two_days_with_changes() -> tuple[str, str]:
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


def use_moto(monkeypatch: pytest.MonkeyPatch, endpoint: str, tmp_path: Path) -> None:
    """boto3 pointed at the moto server with stand-in credentials: no developer's ~/.aws profile
    or real credentials may reach the tests."""
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    # moto answers 500 for what it does not implement: fail at once rather than retry for seconds.
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")


def set_required_aws_settings(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    """Every variable the aws target requires, `values` where given and a stand-in elsewhere."""
    from banking_dw.targets.aws import REQUIRED  # boto3 and dagster-aws only for the tests that need them

    stand_ins = {"REDSHIFT_PORT": "5439", "BANKING_DW_MASKING_KEY": TEST_MASKING_KEY}
    for name in REQUIRED:
        monkeypatch.setenv(name, values.get(name, stand_ins.get(name, f"test-{name.lower()}")))


def run_dbt(
    target_path: Path, *args: str, env: Mapping[str, str], log_path: Path | None = None
) -> subprocess.CompletedProcess:
    """This environment's dbt on the project, its target/ (and logs/, under it unless `log_path`
    says) outside the repo, so that tests never write into the working tree."""
    command = [
        _dbt_executable(),
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target_path),
        "--log-path",
        str(log_path or target_path / "logs"),
    ]
    return subprocess.run(command, cwd=DBT_PROJECT_DIR, env=dict(env), capture_output=True, text=True)


def _dbt_executable() -> str:
    beside_python = Path(sys.executable).parent / "dbt"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("dbt")
    if found is None:
        pytest.fail("dbt is not installed: run `make install`")
    return found


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
    so the copy starts with no holder recorded, and the analysts' file's pointer stays a link to
    the copy's own version. Without `warehouse`, only the files are copied
    (raw and lake) with the masking key beside the warehouse, so the copy's warehouse starts empty
    and gives the same pseudonyms."""

    def ignored(folder: str, names: list[str]) -> set[str]:
        dropped = {name for name in names if name.endswith(".lock")}
        if not warehouse:
            dropped |= {n for n in names if n.startswith("warehouse.duckdb") and n != MASKING_KEY_FILE}
        return dropped

    shutil.copytree(source, target, symlinks=True, ignore=ignored)
    return target


MASKING_KEY_FILE = "warehouse.duckdb.masking_key"


def share_masking_key(source: Path, target: Path) -> None:
    """The masking key generated beside `source`'s warehouse, given to the data directory `target`
    before anything builds there, so both give the same pseudonyms and their gold can be compared."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / MASKING_KEY_FILE, target / MASKING_KEY_FILE)


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


class Webhook:
    """A loopback HTTP server recording every JSON body POSTed to it, answering `status`."""

    def __init__(self, path: str) -> None:
        self.received: list[dict] = []
        self.status = 200
        self.path = path
        webhook = self

        class Hook(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                webhook.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(webhook.status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Hook)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{self.path}"


@contextmanager
def running_webhook(path: str = "/hook") -> Iterator[Webhook]:
    hook = Webhook(path)
    threading.Thread(target=hook.server.serve_forever, daemon=True).start()
    try:
        yield hook
    finally:
        hook.server.shutdown()
        hook.server.server_close()


def toy_analysts_warehouse(path: Path, version: int, days: int, rows: int) -> None:
    """A warehouse with what analysts read, marked with `version` in every row: a fact of `rows`
    rows over `days` days, a dimension and a report; and a restricted schema they never read."""
    with duckdb.connect(str(path)) as connection:
        for schema in ("dev_gold", "dev_reports", "dev_restricted"):
            connection.execute(f"create schema if not exists {schema}")
        connection.execute(
            "create or replace table dev_gold.fact_x as select i as id, ? as version,"
            " cast(date '2024-01-01' + cast(i % ? as integer) as date) as partition_date from range(?) as t(i)",
            [version, days, rows],
        )
        connection.execute("create or replace table dev_gold.dim_y as select ? as name", [f"v{version}"])
        connection.execute("create or replace table dev_reports.report as select ? as n", [version])
        connection.execute("create or replace table dev_restricted.pii as select 'clear' as name")


def assert_recorded_digests_equal_the_rows(warehouse_file: Path, relations: list[AnalystRelation]) -> None:
    """Every relation analysts read has its digests recorded by the warehouse's publish, equal to its
    rows hashed anew: the whole of a table, and per day a fact's, those of days the last build did
    not write included."""
    with duckdb.connect() as connection:
        connection.execute(f"attach '{warehouse_file}' as {duckdb_analysts.SOURCE} (read_only)")
        assert set(duckdb_analysts.recorded_parts(connection, relations)) == set(relations)
        hashed = duckdb_analysts.digests(connection, duckdb_analysts.SOURCE, relations)
        assert duckdb_analysts.warehouse_digests(connection, relations) == hashed
    assert sum(len(digest.parts) for digest in hashed.values()) > len(relations)


def assert_nothing_waits_beside_the_published_tables(warehouse_file: Path) -> None:
    """After a green build, what it wrote beside the published tables on DuckDB is gone: each next
    version (`<model>__next`) and window (`<model>__window`) was renamed into place or copied and
    dropped (dbt_project/macros/publish/candidates.sql)."""
    with duckdb.connect(str(warehouse_file), read_only=True) as connection:
        left = connection.execute(
            "select schema_name || '.' || table_name from duckdb_tables()"
            " where suffix(table_name, '__next') or suffix(table_name, '__window')"
        ).fetchall()
    assert left == []


# A live run writing a file through its staging file (banking_dw.locks.staging_file): it prints the
# staging file's path, then holds it until its standard input closes.
LIVE_STAGING_WRITER = """
import sys
from pathlib import Path
from banking_dw.locks import staging_file
with staging_file(Path(sys.argv[1])) as staging:
    staging.write_bytes(b"half a file")
    print(staging, flush=True)
    sys.stdin.read()
"""
