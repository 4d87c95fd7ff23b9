"""Paths come from the environment when asked, so an installed package finds its project."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from banking_dw import settings
from banking_dw.bronze.duckdb_views import LocalCatalog
from banking_dw.contracts import contract
from banking_dw.duckdb_warehouse import DuckDBWarehouse
from banking_dw.generator import Scale, generate_day, write_csv
from banking_dw.landing.audit import audit_file
from banking_dw.landing.local_lake import LocalLake
from banking_dw.landing.resources import Delivery
from banking_dw.raw_files import RawFiles
from banking_dw.run import main as run_main


def test_the_project_root_is_the_checkout_unless_configured(monkeypatch, tmp_path):
    monkeypatch.delenv(settings.PROJECT_ROOT_ENV, raising=False)
    monkeypatch.delenv("BANKING_DW_DATA_DIR", raising=False)
    checkout = Path(settings.__file__).resolve().parent.parent
    assert settings.dbt_project_dir() == checkout / "dbt_project"
    assert (settings.dbt_project_dir() / "dbt_project.yml").is_file()

    monkeypatch.setenv(settings.PROJECT_ROOT_ENV, str(tmp_path))
    assert settings.dbt_project_dir() == tmp_path / "dbt_project"
    assert settings.data_dir() == tmp_path / "data"
    monkeypatch.setenv("BANKING_DW_DATA_DIR", "elsewhere")
    assert settings.warehouse_path() == tmp_path / "elsewhere" / "warehouse.duckdb"
    assert settings.lake_dir() == tmp_path / "elsewhere" / "lake"


def test_days_per_chunk_defaults_to_a_year_and_rejects_nonsense(monkeypatch):
    monkeypatch.delenv(settings.DAYS_PER_CHUNK_ENV, raising=False)
    assert settings.days_per_chunk() == 366
    monkeypatch.setenv(settings.DAYS_PER_CHUNK_ENV, "7")
    assert settings.days_per_chunk() == 7
    for bad in ("0", "-3", "a week", "2.5"):
        monkeypatch.setenv(settings.DAYS_PER_CHUNK_ENV, bad)
        with pytest.raises(ValueError, match=settings.DAYS_PER_CHUNK_ENV):
            settings.days_per_chunk()


def test_rows_per_chunk_defaults_to_ten_days_of_a_million_transactions_and_rejects_nonsense(monkeypatch):
    monkeypatch.delenv(settings.ROWS_PER_CHUNK_ENV, raising=False)
    assert settings.rows_per_chunk() == 20_000_000
    monkeypatch.setenv(settings.ROWS_PER_CHUNK_ENV, "5000")
    assert settings.rows_per_chunk() == 5000
    for bad in ("0", "1e6", "many"):
        monkeypatch.setenv(settings.ROWS_PER_CHUNK_ENV, bad)
        with pytest.raises(ValueError, match=settings.ROWS_PER_CHUNK_ENV):
            settings.rows_per_chunk()


# --------------------------------------------------------------------------- names that reach SQL

HOSTILE_PREFIX = "x; create table main.pwned as select 42 as v; --"


@pytest.mark.parametrize("prefix", [HOSTILE_PREFIX, "Prod", "dev-gold", "1dev", "", "a" * 41, 'dev"'])
def test_a_schema_prefix_that_is_not_a_plain_identifier_is_refused_in_one_line(monkeypatch, prefix):
    monkeypatch.setenv(settings.SCHEMA_PREFIX_ENV, prefix)
    with pytest.raises(settings.SettingError, match=settings.SCHEMA_PREFIX_ENV) as refused:
        settings.layer_schema("gold")
    assert "\n" not in str(refused.value)
    monkeypatch.setenv(settings.SCHEMA_PREFIX_ENV, "prod_2")
    assert settings.layer_schema("gold") == "prod_2_gold"


def test_a_hostile_schema_prefix_stops_the_run_before_any_sql(tmp_path, monkeypatch, capsys):
    """`make run` with the prefix the review used: one line, and no warehouse written at all (the
    definitions refuse it while they load, before any step)."""
    home, data_dir = tmp_path / "dagster_home", tmp_path / "data"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("BANKING_DW_DATA_DIR", str(data_dir))
    monkeypatch.setenv(settings.SCHEMA_PREFIX_ENV, HOSTILE_PREFIX)
    assert run_main(["2024-01-01"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"banking-dw: {settings.SCHEMA_PREFIX_ENV}=") and err.count("\n") == 1, err
    assert not data_dir.exists()


def test_a_hostile_schema_prefix_never_reaches_an_existing_warehouse(tmp_path, monkeypatch):
    """The crawl step's views, on a warehouse that exists: refused before a statement is sent."""
    monkeypatch.setenv("BANKING_DW_DATA_DIR", str(tmp_path / "data"))
    warehouse = DuckDBWarehouse()
    with warehouse.connect() as connection:
        connection.execute("create table main.kept as select 1 as v")
    lake, day, channels = LocalLake(), date(2024, 1, 1), contract("dim_channels")
    source = tmp_path / "dim_channels.csv"
    source.write_bytes(b'channel_id,channel_name,is_digital\n1,"Online",true\n')
    audit = audit_file(source, channels)
    lake.publish_day(day, [Delivery(channels.name, source, audit.rows, audit.size_bytes, audit.md5)], print)
    monkeypatch.setenv(settings.SCHEMA_PREFIX_ENV, HOSTILE_PREFIX)
    with pytest.raises(settings.SettingError, match="not a plain identifier"):
        LocalCatalog(warehouse=warehouse, lake=lake).register([channels], [day])
    with warehouse.connect(read_only=True) as connection:
        tables = connection.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        schemas = {name for (name,) in connection.execute("select schema_name from duckdb_schemas()").fetchall()}
    assert tables == [("main", "kept")] and not any("pwned" in name or ";" in name for name in schemas)


@pytest.mark.slow
def test_dbt_refuses_a_hostile_schema_prefix_while_it_parses(tmp_path):
    """dbt run by hand reads the prefix too (macros/generate_schema_name.sql): refused at parse time,
    before any statement."""
    environment = {**os.environ, settings.SCHEMA_PREFIX_ENV: HOSTILE_PREFIX, "BANKING_DW_DATA_DIR": str(tmp_path)}
    folders = ["--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")]
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "parse", "--no-partial-parse", "--profiles-dir", ".", *folders],
        cwd=settings.dbt_project_dir(),
        env=environment,
        capture_output=True,
        text=True,
    )
    assert completed.returncode != 0
    assert f"{settings.SCHEMA_PREFIX_ENV} is not a plain identifier" in completed.stdout + completed.stderr
    assert not (tmp_path / "warehouse.duckdb").exists()


# --------------------------------------------------------------------------- private by default


def _open_to_others(folder: Path) -> list[str]:
    """Every folder and file under `folder` (itself included) that group or others may use."""
    paths = [folder, *folder.rglob("*")]
    return sorted(str(p.relative_to(folder.parent)) for p in paths if p.stat().st_mode & 0o077)


def test_a_data_folder_open_to_others_is_tightened_and_whatever_is_created_in_it_is_private(tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    os.chmod(data_dir, 0o755)
    monkeypatch.setenv("BANKING_DW_DATA_DIR", str(data_dir))
    os.umask(0o022)  # as a login shell has it; the project sets its own
    path = RawFiles().path("dim_customers", date(2024, 1, 1))
    write_csv(generate_day(date(2024, 1, 1), Scale())["dim_customers"], path)
    with DuckDBWarehouse().connect() as connection:
        connection.execute("create table t as select 1 as v")
    assert _open_to_others(data_dir) == []
    assert oct(os.umask(0o077)) == oct(0o077)


def test_a_data_folder_open_to_others_that_is_not_ours_is_refused_in_one_line(tmp_path, monkeypatch):
    data_dir = tmp_path / "shared"
    data_dir.mkdir()
    os.chmod(data_dir, 0o755)
    try:
        os.chown(data_dir, 65534, 65534)  # nobody's: only root may give a folder away
    except PermissionError:
        pytest.skip("giving a folder to another user needs root")
    monkeypatch.setenv("BANKING_DW_DATA_DIR", str(data_dir))
    with pytest.raises(settings.SettingError, match=f"chmod 700 {data_dir}") as refused:
        RawFiles().root()
    assert "\n" not in str(refused.value)
    assert data_dir.stat().st_mode & 0o777 == 0o755


# --------------------------------------------------------------------------- the masking key


def test_the_masking_key_is_generated_once_beside_the_warehouse_and_private(tmp_path, monkeypatch):
    monkeypatch.delenv(settings.MASKING_KEY_ENV, raising=False)
    monkeypatch.setenv("BANKING_DW_DATA_DIR", str(tmp_path / "data"))
    warehouse = DuckDBWarehouse()
    key = warehouse.masking_key()
    path = tmp_path / "data" / "warehouse.duckdb.masking_key"
    assert path.read_text().strip() == key and len(key) == 64 and path.stat().st_mode & 0o777 == 0o600
    assert warehouse.masking_key() == key, "the same key run after run"
    assert warehouse.dbt_environment()[settings.MASKING_KEY_ENV] == key
    assert sorted(p.name for p in path.parent.iterdir()) == ["warehouse.duckdb.masking_key"]

    monkeypatch.setenv(settings.MASKING_KEY_ENV, "k" * 40)
    assert warehouse.masking_key() == "k" * 40, "the environment's key wins"


@pytest.mark.parametrize("key", ["too-short", "x" * 31, "quote'" + "x" * 40, "space " + "x" * 40])
def test_a_masking_key_that_is_not_usable_is_refused_in_one_line_without_showing_it(monkeypatch, key):
    monkeypatch.setenv(settings.MASKING_KEY_ENV, key)
    with pytest.raises(settings.SettingError, match=settings.MASKING_KEY_ENV) as refused:
        settings.masking_key(None)
    assert key not in str(refused.value) and "\n" not in str(refused.value)


def test_without_a_local_default_the_masking_key_is_required(monkeypatch):
    monkeypatch.delenv(settings.MASKING_KEY_ENV, raising=False)
    with pytest.raises(settings.SettingError, match=f"{settings.MASKING_KEY_ENV} is not set"):
        settings.masking_key(None)
