"""The bronze step exposes what landed, keeps malformed rows readable, and its checks say what is missing."""

from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from banking_dw.bronze.checks import (
    COLUMNS_MATCH,
    ONLY_NAMED_OBJECTS,
    PARTITIONS_VISIBLE,
    ROW_COUNT_MATCHES_LANDED,
    verify_bronze,
)
from banking_dw.bronze.duckdb_views import LocalCatalog
from banking_dw.contracts import contract
from banking_dw.csv_io import count_rows
from banking_dw.duckdb_warehouse import DuckDBWarehouse
from banking_dw.landing.local_lake import LocalLake
from banking_dw.landing.resources import DayManifest, Delivery, PublishedTable, file_md5, stray_objects
from banking_dw.layout import object_key, table_prefix

LOANS = contract("fact_loans")
HEADER = "loan_fact_id,loan_id,customer_id,date_id,loan_amount,loan_status\n"
JAN_1, JAN_2, JAN_3 = date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3)


def _catalog(tmp_path: Path) -> LocalCatalog:
    lake = LocalLake(root=str(tmp_path / "lake"))
    return LocalCatalog(
        warehouse=DuckDBWarehouse(path=str(tmp_path / "warehouse.duckdb"), lake_root=lake.root), lake=lake
    )


def _land(catalog: LocalCatalog, day: date, text: str | bytes, newline: str = "\n") -> None:
    """Publish `text` as the day's fact_loans object, as landing does."""
    data = text if isinstance(text, bytes) else text.replace("\n", newline).encode()
    source = catalog.lake.root_path().parent / f"source-{day}.csv"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(data)
    delivery = Delivery(LOANS.name, source, count_rows([data]), len(data), file_md5(source))
    catalog.lake.publish_day(day, [delivery], print)


def _verify(catalog: LocalCatalog, days: list[date]):
    manifests = {day: catalog.lake.manifest(day) for day in days}
    return {
        o.name: o for o in verify_bronze(LOANS, days, catalog.shown([LOANS], days)[LOANS.name], manifests, catalog.lake)
    }


def test_malformed_rows_stay_readable_and_every_row_is_counted(tmp_path):
    catalog = _catalog(tmp_path)
    _land(catalog, JAN_1, HEADER + '1,1,1,20240101,5.00,"Approved"\n2,1,1,20240101,abc,"Approved"\n3,1,1\n')
    _land(catalog, JAN_2, HEADER + '4,1,1,20240102,5.00,"Pending",surplus\n', newline="\r\n")
    catalog.register([LOANS], [JAN_1, JAN_2])

    outcomes = _verify(catalog, [JAN_1, JAN_2])
    assert all(o.passed for o in outcomes.values()), {k: o.description for k, o in outcomes.items()}
    assert outcomes[ROW_COUNT_MATCHES_LANDED].metadata["rows"] == {"2024-01-01": 3, "2024-01-02": 1}
    with catalog.warehouse.connect(read_only=True) as connection:
        rows = connection.execute(
            "select loan_fact_id, loan_amount, loan_status from dev_bronze.fact_loans order by 1"
        ).fetchall()
    assert rows == [("1", "5.00", "Approved"), ("2", "abc", "Approved"), ("3", None, None), ("4", "5.00", "Pending")]


def test_a_day_that_never_landed_fails_visibility_and_count_by_name(tmp_path):
    catalog = _catalog(tmp_path)
    _land(catalog, JAN_1, HEADER + '1,1,1,20240101,5.00,"Approved"\n')
    catalog.register([LOANS], [JAN_1])

    outcomes = _verify(catalog, [JAN_1, JAN_3])
    assert outcomes[COLUMNS_MATCH].passed
    assert not outcomes[PARTITIONS_VISIBLE].passed
    assert "2024-01-03" in outcomes[PARTITIONS_VISIBLE].description
    assert not outcomes[ROW_COUNT_MATCHES_LANDED].passed
    assert "2024-01-03: bronze 0 vs landed nothing" in outcomes[ROW_COUNT_MATCHES_LANDED].description


def test_an_object_whose_columns_are_reordered_fails_the_column_check(tmp_path):
    catalog = _catalog(tmp_path)
    _land(catalog, JAN_1, HEADER + '1,1,1,20240101,5.00,"Approved"\n')
    swapped = "loan_id,loan_fact_id,customer_id,date_id,loan_amount,loan_status\n"
    _land(catalog, JAN_2, swapped + '1,2,1,20240102,5.00,"Approved"\n')
    catalog.register([LOANS], [JAN_1, JAN_2])
    outcome = _verify(catalog, [JAN_1, JAN_2])[COLUMNS_MATCH]
    assert not outcome.passed
    assert "2024-01-02: object header ['loan_id', 'loan_fact_id'" in outcome.description
    assert "2024-01-01" not in outcome.description


def test_checking_a_table_the_catalog_does_not_have_fails_every_check(tmp_path):
    catalog = _catalog(tmp_path)
    assert catalog.columns(LOANS) == ()
    outcomes = _verify(catalog, [JAN_1]).values()
    assert [o.passed for o in outcomes] == [False, False, False, False]
    assert all("not in the catalog" in o.description for o in outcomes)


def test_registering_a_day_that_is_not_published_names_the_day_and_says_to_land_it_first(tmp_path):
    catalog = _catalog(tmp_path)
    _land(catalog, JAN_1, HEADER + '1,1,1,20240101,5.00,"Approved"\n')
    with pytest.raises(dg.Failure, match="fact_loans is not published in the lake for 2024-01-02; land it first"):
        catalog.register([LOANS], [JAN_1, JAN_2])


def test_the_catalog_reports_columns_partitions_and_rows_of_the_days_asked(tmp_path):
    catalog = _catalog(tmp_path)
    _land(catalog, JAN_1, HEADER + '1,1,1,20240101,5.00,"Approved"\n2,1,1,20240101,6.00,"Pending"\n')
    _land(catalog, JAN_2, HEADER + '3,1,1,20240102,5.00,"Approved"\n')
    catalog.register([LOANS], [JAN_1, JAN_2])
    assert catalog.columns(LOANS) == (*LOANS.column_names, "dt")
    assert catalog.partitions(LOANS, [JAN_1, JAN_3]) == {JAN_1}
    assert catalog.row_counts(LOANS, [JAN_1, JAN_2, JAN_3]) == {JAN_1: 2, JAN_2: 1, JAN_3: 0}


def test_a_byte_order_mark_is_read_as_part_of_nothing(tmp_path):
    catalog = _catalog(tmp_path)
    _land(catalog, JAN_1, b"\xef\xbb\xbf" + (HEADER + '1,1,1,20240101,5.00,"Approved"\n').encode())
    catalog.register([LOANS], [JAN_1])
    outcomes = _verify(catalog, [JAN_1])
    assert all(o.passed for o in outcomes.values()), {k: o.description for k, o in outcomes.items()}
    with catalog.warehouse.connect(read_only=True) as connection:
        assert connection.execute("select loan_fact_id, loan_status from dev_bronze.fact_loans").fetchall() == [
            ("1", "Approved")
        ]


def test_a_moved_data_folder_reads_its_own_lake(tmp_path):
    catalog = _catalog(tmp_path / "before")
    _land(catalog, JAN_1, HEADER + '1,1,1,20240101,5.00,"Approved"\n')
    catalog.register([LOANS], [JAN_1])
    (tmp_path / "before").rename(tmp_path / "after")

    moved = _catalog(tmp_path / "after")
    assert moved.row_counts(LOANS, [JAN_1]) == {JAN_1: 1}
    assert all(o.passed for o in _verify(moved, [JAN_1]).values())


def test_a_day_shows_only_once_its_manifest_names_the_table(tmp_path):
    catalog = _catalog(tmp_path)
    _land(catalog, JAN_1, HEADER + '1,1,1,20240101,5.00,"Approved"\n')
    catalog.register([LOANS], [JAN_1])
    unpublished = catalog.lake.local_path(object_key(LOANS.name, JAN_2))
    unpublished.parent.mkdir(parents=True)
    unpublished.write_text(HEADER + '2,1,1,20240102,5.00,"Approved"\n')

    assert catalog.row_counts(LOANS, [JAN_1, JAN_2]) == {JAN_1: 1, JAN_2: 0}
    assert not _verify(catalog, [JAN_2])[PARTITIONS_VISIBLE].passed
    _land(catalog, JAN_2, HEADER + '2,1,1,20240102,5.00,"Approved"\n')
    assert catalog.row_counts(LOANS, [JAN_1, JAN_2]) == {JAN_1: 1, JAN_2: 1}
    assert all(o.passed for o in _verify(catalog, [JAN_1, JAN_2]).values())


def test_an_empty_day_of_an_event_table_is_visible_with_no_rows(tmp_path):
    catalog = _catalog(tmp_path)
    _land(catalog, JAN_1, HEADER)
    catalog.register([LOANS], [JAN_1])
    outcomes = _verify(catalog, [JAN_1])
    assert all(o.passed for o in outcomes.values()), {k: o.description for k, o in outcomes.items()}
    assert outcomes[ROW_COUNT_MATCHES_LANDED].metadata["rows"] == {"2024-01-01": 0}


def test_a_stray_csv_in_a_day_folder_is_never_read_and_fails_its_check_by_day_and_key(tmp_path):
    catalog = _catalog(tmp_path)
    _land(catalog, JAN_1, HEADER + '1,1,1,20240101,5.00,"Approved"\n')
    _land(catalog, JAN_2, HEADER + '2,1,1,20240102,5.00,"Approved"\n')
    stray = catalog.lake.local_path(object_key(LOANS.name, JAN_2)).with_name("copy of fact_loans.csv")
    stray.write_text(HEADER + '9,9,9,20240102,1.00,"SECRET"\n')
    catalog.register([LOANS], [JAN_1, JAN_2])

    outcomes = _verify(catalog, [JAN_1, JAN_2])
    assert outcomes[ROW_COUNT_MATCHES_LANDED].metadata["rows"] == {"2024-01-01": 1, "2024-01-02": 1}
    with catalog.warehouse.connect(read_only=True) as connection:
        assert connection.execute("select loan_fact_id from dev_bronze.fact_loans order by 1").fetchall() == [
            ("1",),
            ("2",),
        ]
    check = outcomes[ONLY_NAMED_OBJECTS]
    assert not check.passed and check.failed_days == {JAN_2}
    assert check.description == (
        "fact_loans: objects the day's manifest does not name (remove them, then run the day again):"
        " 2024-01-02: banking-data/fact_loans/dt=2024-01-02/copy of fact_loans.csv"
    )
    assert "SECRET" not in str(check.metadata)


def test_stray_objects_are_those_of_a_published_days_folder_other_than_the_named_one():
    manifests = {JAN_1: _manifest(JAN_1), JAN_2: _manifest(JAN_2), JAN_3: DayManifest(JAN_3)}
    prefix = table_prefix(LOANS.name)
    keys = [
        object_key(LOANS.name, JAN_1),
        object_key(LOANS.name, JAN_2),
        f"{prefix}dt=2024-01-02/extra.csv",
        f"{prefix}dt=2024-01-02/sub/deeper.csv",
        f"{prefix}dt=2024-01-03/fact_loans.csv",  # a day not published: landing's checks say so
        f"{prefix}dt=2024-01-04/other.csv",  # outside the window
    ]
    assert stray_objects(LOANS.name, keys, manifests) == {
        JAN_2: [f"{prefix}dt=2024-01-02/extra.csv", f"{prefix}dt=2024-01-02/sub/deeper.csv"]
    }


def _manifest(day: date) -> DayManifest:
    return DayManifest(day, {LOANS.name: PublishedTable(LOANS.name, object_key(LOANS.name, day), 1, 10, "md5")})
