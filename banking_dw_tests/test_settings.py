"""Paths come from the environment when asked, so an installed package finds its project."""

from pathlib import Path

import pytest

from banking_dw import settings


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
