"""Paths come from the environment when asked, so an installed package finds its project."""

from pathlib import Path

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
