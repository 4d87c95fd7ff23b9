"""The raw step's materialisations: each day's event describes that day's file, and no personal data."""

from datetime import date

import pytest

from banking_dw.layout import csv_path

from .support import materialize, warehouse_environment

TABLES = ("dim_customers", "dim_channels", "fact_transactions")


@pytest.fixture(scope="module")
def two_days(tmp_path_factory, window):
    data_dir = tmp_path_factory.mktemp("raw")
    with warehouse_environment(data_dir):
        result = materialize(" or ".join(f'key:"raw/{table}"' for table in TABLES), *window)
    return data_dir, result


def test_each_days_materialisation_carries_that_days_rows_bytes_and_file(two_days, window):
    data_dir, result = two_days
    events = [e.step_materialization_data.materialization for e in result.get_asset_materialization_events()]
    described = {(e.asset_key.path[-1], e.partition): e.metadata for e in events}
    assert set(described) == {(table, day) for table in TABLES for day in window}
    for (table, day), metadata in described.items():
        path = csv_path(data_dir, table, date.fromisoformat(day))
        data = path.read_bytes()
        assert metadata["dagster/row_count"].value == data.count(b"\n") - 1, (table, day)
        assert metadata["byte_size"].value == len(data), (table, day)
        assert metadata["path"].value == str(path), (table, day)


def test_no_materialisation_shows_rows_of_the_file(two_days):
    """A preview of dim_customers would put names, emails and phones in Dagster's metadata."""
    _, result = two_days
    for event in result.get_asset_materialization_events():
        assert set(event.step_materialization_data.materialization.metadata) == {
            "dagster/row_count",
            "byte_size",
            "path",
        }
