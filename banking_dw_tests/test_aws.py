"""The aws target's lake (S3) and catalog (Glue) against moto's server, and its CloudFormation.

Each test gets its own bucket, database and crawler on one moto server, so they are independent.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import dagster as dg
import pytest
import yaml
from botocore.config import Config

from banking_dw.bronze.checks import (
    COLUMNS_MATCH,
    ONLY_NAMED_OBJECTS,
    PARTITIONS_VISIBLE,
    ROW_COUNT_MATCHES_LANDED,
    verify_bronze,
)
from banking_dw.bronze.glue import (
    CRAWLER_CONFIGURATION,
    OPEN_CSV_SERDE,
    SCHEMA_CHANGE_POLICY,
    CrawlerError,
    GlueCatalog,
    judge_finished_crawl,
)
from banking_dw.bronze.resources import CatalogResource
from banking_dw.contracts import CONTRACTS, TableContract, contract
from banking_dw.dbt.completeness import lake_gaps
from banking_dw.landing.audit import audit_file
from banking_dw.landing.checks import (
    CHECKSUM_MATCHES,
    FILE_STRUCTURE_VALID,
    OBJECTS_PRESENT,
    ROW_COUNT_MATCHES_CSV,
    verify_landed,
)
from banking_dw.landing.resources import DayManifest, Delivery, LakeResource
from banking_dw.landing.s3 import S3Lake
from banking_dw.layout import (
    LAKE_PREFIX,
    bronze_key,
    csv_path,
    manifest_key,
    object_key,
    rejected_key,
    table_prefix,
)
from banking_dw.redshift_warehouse import RedshiftWarehouse
from banking_dw.settings import repository_root
from banking_dw.targets.aws import REQUIRED, MissingSetting, aws_resources
from banking_dw_tests.moto_server import set_crawl_progression
from banking_dw_tests.support import set_required_aws_settings, use_moto

TEMPLATE = repository_root() / "deploy" / "aws" / "banking_dw.yaml"
DAYS = [date(2024, 1, 1), date(2024, 1, 2)]
CHANNELS = contract("dim_channels")
TRANSACTIONS = contract("fact_transactions")
FAKE_ROLE = "arn:aws:iam::123456789012:role/banking-dw-crawler"
# What the lake's client may send that changes the bucket.
S3_WRITES = frozenset({"PutObject", "CreateMultipartUpload", "CopyObject", "DeleteObject"})


@pytest.fixture
def aws_env(moto_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The environment a deployment sets, pointed at moto; fresh names so no test sees another's."""
    suffix = uuid.uuid4().hex[:12]
    use_moto(monkeypatch, moto_endpoint, tmp_path)
    monkeypatch.setenv("BANKING_DW_GLUE_DATABASE", f"bronze_{suffix}")
    monkeypatch.setenv("BANKING_DW_GLUE_CRAWLER", f"crawler_{suffix}")
    monkeypatch.setenv("BANKING_DW_GLUE_CRAWLER_ROLE_ARN", FAKE_ROLE)
    for name in (
        "BANKING_DW_S3_PREFIX",
        "BANKING_DW_GLUE_CRAWLER_TIMEOUT_SECONDS",
        "BANKING_DW_GLUE_SECURITY_CONFIGURATION",
    ):
        monkeypatch.delenv(name, raising=False)
    key_id = client("kms").create_key(Description="banking-dw lake")["KeyMetadata"]["KeyId"]
    set_required_aws_settings(monkeypatch, BANKING_DW_S3_BUCKET=f"banking-dw-{suffix}", BANKING_DW_S3_KMS_KEY_ID=key_id)
    set_crawl_progression(moto_endpoint, {"progression": "immediate"})
    client("s3").create_bucket(
        Bucket=os.environ["BANKING_DW_S3_BUCKET"], CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    yield moto_endpoint


@functools.cache
def client(service: str):
    """The test's own view of moto (every test's environment names the same server)."""
    return boto3.client(service, region_name=os.environ["AWS_REGION"], config=Config(retries={"max_attempts": 1}))


def lake_and_catalog() -> tuple[S3Lake, GlueCatalog]:
    """The target's lake and catalog opened as a run opens them, their settings read from the environment."""
    target = aws_resources()
    with dg.build_resources({"lake": target.lake, "catalog": target.catalog}) as opened:
        lake, catalog = opened.lake, opened.catalog
    assert isinstance(lake, S3Lake) and isinstance(catalog, GlueCatalog)
    return lake, catalog


def kms_key_id() -> str:
    return os.environ["BANKING_DW_S3_KMS_KEY_ID"]


def md5_of(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def csv_file(directory: Path, table: TableContract, day: date) -> Path:
    return directory / day.isoformat() / f"{table.name}.csv"


def write_csv(directory: Path, table: TableContract, day: date, rows: list[list[str]]) -> Path:
    path = csv_file(directory, table, day)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [",".join(table.column_names)] + [",".join(row) for row in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode())
    return path


def sample_rows(table: TableContract, count: int) -> list[list[str]]:
    return [[f"{column}-{n}" for column in table.column_names] for n in range(count)]


def quiet(message: str) -> None:
    """publish_day's log (S3 publishing takes no lock, so there is nothing to say)."""


def delivery(path: Path, table: TableContract) -> Delivery:
    """The file audited, as the landing step hands it to publish_day."""
    audit = audit_file(path, table)
    assert audit.passed, audit.problems
    return Delivery(table.name, path, audit.rows, audit.size_bytes, audit.md5)


def land(
    lake: S3Lake, directory: Path, tables: list[TableContract], rows_per_day: dict[date, int]
) -> dict[date, DayManifest]:
    """Each day's files of `tables` written and published together, as the landing step does."""
    return {
        day: lake.publish_day(
            day, [delivery(write_csv(directory, t, day, sample_rows(t, count)), t) for t in tables], quiet
        )
        for day, count in rows_per_day.items()
    }


@contextmanager
def s3_writes(lake: S3Lake) -> Iterator[list[tuple[str, str, bytes | None]]]:
    """Every request changing the lake's data (its objects and manifests, under the data prefix)
    that the lake's client sends meanwhile, in order: (operation, bucket key, body when bytes)."""
    seen: list[tuple[str, str, bytes | None]] = []
    data_prefix = lake.bucket_key(f"{LAKE_PREFIX}/")

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name in S3_WRITES and params.get("Key", "").startswith(data_prefix):
            # botocore may already have wrapped a bytes body in a BytesIO; an uploaded file is a stream.
            body = params.get("Body")
            body = body.getvalue() if isinstance(body, io.BytesIO) else body
            seen.append((model.name, params.get("Key", ""), body if isinstance(body, bytes) else None))

    events = lake.client().meta.events
    events.register("before-parameter-build.s3", record)
    try:
        yield seen
    finally:
        events.unregister("before-parameter-build.s3", record)


def head(key: str) -> dict[str, Any]:
    return client("s3").head_object(Bucket=os.environ["BANKING_DW_S3_BUCKET"], Key=key)


def version_counts(prefix: str) -> dict[str, int]:
    """Versions per key under `prefix` (the bucket versioned: each PUT leaves one)."""
    listed = client("s3").list_object_versions(Bucket=os.environ["BANKING_DW_S3_BUCKET"], Prefix=prefix)
    counts: dict[str, int] = {}
    for version in listed.get("Versions", []):
        counts[version["Key"]] = counts.get(version["Key"], 0) + 1
    return counts


def enable_versioning() -> None:
    client("s3").put_bucket_versioning(
        Bucket=os.environ["BANKING_DW_S3_BUCKET"], VersioningConfiguration={"Status": "Enabled"}
    )


# --- the lake ------------------------------------------------------------------------------


def test_landed_object_has_its_key_md5_metadata_and_the_kms_key(aws_env: str, tmp_path: Path) -> None:
    lake, _ = lake_and_catalog()
    source = write_csv(tmp_path, CHANNELS, DAYS[0], sample_rows(CHANNELS, 3))
    data = source.read_bytes()
    key = object_key(CHANNELS.name, DAYS[0])
    missing = object_key(CHANNELS.name, DAYS[1])

    landed = lake.put(source, key, md5_of(data))

    bucket = os.environ["BANKING_DW_S3_BUCKET"]
    stored = head("banking-data/dim_channels/dt=2024-01-01/dim_channels.csv")
    assert stored["ServerSideEncryption"] == "aws:kms" and stored["SSEKMSKeyId"].endswith(kms_key_id())
    assert stored["Metadata"]["md5"] == md5_of(data)
    assert stored["ContentLength"] == len(data)
    assert landed.uri == f"s3://{bucket}/banking-data/dim_channels/dt=2024-01-01/dim_channels.csv"
    assert lake.stat(key) == landed
    assert (landed.key, landed.size_bytes, landed.md5) == (key, len(data), md5_of(data))
    assert lake.read_bytes(key) == data
    assert lake.read_head(key, 12) == data[:12]
    assert lake.stat(missing) is None
    with pytest.raises(FileNotFoundError):
        lake.read_bytes(missing)
    with pytest.raises(FileNotFoundError):
        lake.read_head(missing, 12)

    lake.delete(key)
    assert lake.stat(key) is None
    lake.delete(key)  # deleting what is not there is no error


def test_the_prefix_from_the_environment_and_every_object_under_the_kms_key(
    aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_id = kms_key_id()
    monkeypatch.setenv("BANKING_DW_S3_PREFIX", "prod/banking")
    lake, _ = lake_and_catalog()
    source = write_csv(tmp_path, CHANNELS, DAYS[0], sample_rows(CHANNELS, 1))

    landed = lake.put(source, object_key(CHANNELS.name, DAYS[0]), md5_of(source.read_bytes()))
    lake.put(source, rejected_key(CHANNELS.name, DAYS[1]), md5_of(source.read_bytes()))
    lake.publish_day(DAYS[0], [delivery(source, CHANNELS)], quiet)

    bucket_key = "prod/banking/dim_channels/dt=2024-01-01/dim_channels.csv"
    assert landed.uri.endswith(f"/{bucket_key}")
    # Keys outside the data prefix (rejected files) are not re-rooted; the manifest is.
    for stored_key in (bucket_key, "_rejected/dim_channels/dt=2024-01-02/dim_channels.csv"):
        stored = head(stored_key)
        assert stored["ServerSideEncryption"] == "aws:kms", stored_key
        assert stored["SSEKMSKeyId"].endswith(key_id), stored_key
    assert head("prod/banking/_manifests/dt=2024-01-01.json")["SSEKMSKeyId"].endswith(key_id)


def test_a_days_manifest_lands_under_the_prefix_listing_every_table_as_the_bank_sent_it(
    aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BANKING_DW_S3_PREFIX", "prod/banking")
    lake, _ = lake_and_catalog()
    sources = {
        CHANNELS: write_csv(tmp_path, CHANNELS, DAYS[0], sample_rows(CHANNELS, 3)),
        TRANSACTIONS: write_csv(tmp_path, TRANSACTIONS, DAYS[0], sample_rows(TRANSACTIONS, 5)),
    }

    published = lake.publish_day(DAYS[0], [delivery(path, table) for table, path in sources.items()], quiet)

    s3, bucket = client("s3"), os.environ["BANKING_DW_S3_BUCKET"]
    stored = s3.get_object(Bucket=bucket, Key="prod/banking/_manifests/dt=2024-01-01.json")
    assert stored["ServerSideEncryption"] == "aws:kms"
    rows = {CHANNELS: 3, TRANSACTIONS: 5}
    assert json.loads(stored["Body"].read()) == {
        "day": "2024-01-01",
        "tables": [
            {
                "table": table.name,
                "key": f"banking-data/{table.name}/dt=2024-01-01/{table.name}.csv",
                "rows": rows[table],
                "size_bytes": len(path.read_bytes()),
                "md5": md5_of(path.read_bytes()),
            }
            for table, path in sources.items()
        ],
    }
    # The day's objects and manifest are under the prefix, and nothing else is in the bucket.
    assert {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]} == {
        "prod/banking/_manifests/dt=2024-01-01.json",
        "prod/banking/dim_channels/dt=2024-01-01/dim_channels.csv",
        "prod/banking/fact_transactions/dt=2024-01-01/fact_transactions.csv",
    }
    for table, path in sources.items():
        assert lake.read_bytes(published.tables[table.name].key) == path.read_bytes()
    assert lake.manifest(DAYS[0]) == published
    assert lake.manifest(DAYS[1]) == DayManifest(DAYS[1])


def test_landing_the_same_bytes_again_uploads_nothing(aws_env: str, tmp_path: Path) -> None:
    enable_versioning()
    lake, _ = lake_and_catalog()
    with s3_writes(lake) as first_writes:
        first = land(lake, tmp_path, [CHANNELS, TRANSACTIONS], {DAYS[0]: 2})
    # The hook sees the lake's uploads: both objects and the manifest.
    assert {key for operation, key, _ in first_writes if operation == "PutObject"} == {
        "banking-data/dim_channels/dt=2024-01-01/dim_channels.csv",
        "banking-data/fact_transactions/dt=2024-01-01/fact_transactions.csv",
        "banking-data/_manifests/dt=2024-01-01.json",
    }
    keys = [object_key(CHANNELS.name, DAYS[0]), object_key(TRANSACTIONS.name, DAYS[0]), manifest_key(DAYS[0])]
    before = {key: head(key) for key in keys}

    with s3_writes(lake) as writes:
        again = land(lake, tmp_path, [CHANNELS, TRANSACTIONS], {DAYS[0]: 2})

    assert writes == []
    assert again == first
    for key in keys:
        after = head(key)
        assert (after["ETag"], after["LastModified"], after["VersionId"]) == (
            before[key]["ETag"],
            before[key]["LastModified"],
            before[key]["VersionId"],
        ), key
    assert version_counts(f"{LAKE_PREFIX}/") == dict.fromkeys(keys, 1)


def test_relanding_a_changed_file_republishes_it_never_naming_a_half_replaced_object(
    aws_env: str, tmp_path: Path
) -> None:
    enable_versioning()
    lake, _ = lake_and_catalog()
    first = land(lake, tmp_path, [CHANNELS, TRANSACTIONS], {DAYS[0]: 2})[DAYS[0]]
    # dim_channels is delivered again with a row more; fact_transactions with the same bytes.
    changed = write_csv(tmp_path, CHANNELS, DAYS[0], sample_rows(CHANNELS, 3))
    same = write_csv(tmp_path, TRANSACTIONS, DAYS[0], sample_rows(TRANSACTIONS, 2))
    bucket = os.environ["BANKING_DW_S3_BUCKET"]
    manifest_at = "banking-data/_manifests/dt=2024-01-01.json"
    channels_at = "banking-data/dim_channels/dt=2024-01-01/dim_channels.csv"
    published_meanwhile: list[DayManifest | None] = []

    def look_at_the_manifest(params: dict[str, Any], **_: Any) -> None:
        """What a reader would find published while dim_channels' object is being replaced."""
        if params.get("Key") == channels_at:
            try:
                stored = client("s3").get_object(Bucket=bucket, Key=manifest_at)["Body"].read()
            except client("s3").exceptions.NoSuchKey:
                published_meanwhile.append(None)
            else:
                published_meanwhile.append(DayManifest.from_json(stored))

    lake.client().meta.events.register("before-parameter-build.s3.PutObject", look_at_the_manifest)
    try:
        with s3_writes(lake) as writes:
            second = lake.publish_day(DAYS[0], [delivery(changed, CHANNELS), delivery(same, TRANSACTIONS)], quiet)
    finally:
        lake.client().meta.events.unregister("before-parameter-build.s3.PutObject", look_at_the_manifest)

    entry = second.tables[CHANNELS.name]
    assert entry.md5 == md5_of(changed.read_bytes()) != first.tables[CHANNELS.name].md5
    assert (entry.rows, entry.size_bytes) == (3, len(changed.read_bytes()))
    assert second.tables[TRANSACTIONS.name] == first.tables[TRANSACTIONS.name]
    assert lake.manifest(DAYS[0]) == second
    assert lake.read_bytes(entry.key) == changed.read_bytes()
    # While the object was replaced no manifest named dim_channels (a reader saw it whole or not at
    # all); the manifest naming every table again was the last write; fact_transactions' object,
    # the same bytes, was not uploaded again.
    assert len(published_meanwhile) == 1
    assert published_meanwhile[0] is None or CHANNELS.name not in published_meanwhile[0].tables
    assert [key for operation, key, _ in writes if operation == "PutObject"].count(channels_at) == 1
    assert writes[-1][:2] == ("PutObject", manifest_at)
    assert writes[-1][2] is not None and DayManifest.from_json(writes[-1][2]) == second
    assert version_counts(f"{LAKE_PREFIX}/dim_channels/") == {object_key(CHANNELS.name, DAYS[0]): 2}
    assert version_counts(f"{LAKE_PREFIX}/fact_transactions/") == {object_key(TRANSACTIONS.name, DAYS[0]): 1}


def test_a_published_object_gone_from_the_bucket_is_uploaded_again(aws_env: str, tmp_path: Path) -> None:
    lake, _ = lake_and_catalog()
    first = land(lake, tmp_path, [CHANNELS], {DAYS[0]: 2})[DAYS[0]]
    key = first.tables[CHANNELS.name].key
    lake.delete(key)

    again = land(lake, tmp_path, [CHANNELS], {DAYS[0]: 2})[DAYS[0]]

    assert again == first
    assert lake.read_bytes(key) == csv_file(tmp_path, CHANNELS, DAYS[0]).read_bytes()


@pytest.mark.parametrize("prefix", [None, "env/test/lake", "env/test/lake/"])
def test_sizes_lists_a_prefix_in_the_lakes_keys_whatever_the_bucket_prefix(
    aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefix: str | None
) -> None:
    if prefix is not None:
        monkeypatch.setenv("BANKING_DW_S3_PREFIX", prefix)
    lake, _ = lake_and_catalog()
    land(lake, tmp_path, [CHANNELS, TRANSACTIONS], {DAYS[0]: 2, DAYS[1]: 4})
    s3, bucket = client("s3"), os.environ["BANKING_DW_S3_BUCKET"]
    # Another environment's object, and a folder whose name only starts like the table's: not listed.
    foreign = ["elsewhere/dim_channels/dt=2024-01-03/dim_channels.csv"]
    if prefix is not None:
        foreign.append("banking-data/dim_channels/dt=2024-01-03/dim_channels.csv")
    foreign.append(lake.bucket_key("banking-data/dim_channels_old/dt=2024-01-01/dim_channels_old.csv"))
    for key in foreign:
        s3.put_object(Bucket=bucket, Key=key, Body=b"not ours")
    source = csv_file(tmp_path, CHANNELS, DAYS[0])
    lake.put(source, rejected_key(CHANNELS.name, DAYS[0]), md5_of(source.read_bytes()))

    def size(table: TableContract, day: date) -> int:
        return csv_file(tmp_path, table, day).stat().st_size

    assert lake.sizes(table_prefix(CHANNELS.name)) == {
        "banking-data/dim_channels/dt=2024-01-01/dim_channels.csv": size(CHANNELS, DAYS[0]),
        "banking-data/dim_channels/dt=2024-01-02/dim_channels.csv": size(CHANNELS, DAYS[1]),
    }
    everything = lake.sizes(f"{LAKE_PREFIX}/")
    assert set(everything) == {
        *(object_key(table.name, day) for table in (CHANNELS, TRANSACTIONS) for day in DAYS),
        *(manifest_key(day) for day in DAYS),
        "banking-data/dim_channels_old/dt=2024-01-01/dim_channels_old.csv",
    }
    for day in DAYS:
        assert everything[manifest_key(day)] == len(lake.read_bytes(manifest_key(day)))
    assert lake.sizes(table_prefix("dim_customers")) == {}
    assert lake.sizes("_rejected/") == {rejected_key(CHANNELS.name, DAYS[0]): size(CHANNELS, DAYS[0])}


# --- the catalog ---------------------------------------------------------------------------


def test_crawl_creates_tables_and_partitions_equal_to_the_contract(aws_env: str, tmp_path: Path) -> None:
    lake, catalog = lake_and_catalog()
    land(lake, tmp_path, [CHANNELS, TRANSACTIONS], {DAYS[0]: 3, DAYS[1]: 5})

    catalog.register([CHANNELS, TRANSACTIONS], DAYS)

    glue = client("glue")
    database, bucket = os.environ["BANKING_DW_GLUE_DATABASE"], os.environ["BANKING_DW_S3_BUCKET"]
    # Every contract table exists (the crawler targets them all); the crawled ones have partitions.
    assert {t["Name"] for t in glue.get_tables(DatabaseName=database)["TableList"]} == {c.name for c in CONTRACTS}
    table = glue.get_table(DatabaseName=database, Name=TRANSACTIONS.name)["Table"]
    descriptor = table["StorageDescriptor"]
    assert [(c["Name"], c["Type"]) for c in descriptor["Columns"]] == [(n, "string") for n in TRANSACTIONS.column_names]
    assert table["PartitionKeys"] == [{"Name": "dt", "Type": "date"}]
    assert table["Parameters"]["skip.header.line.count"] == "1"
    assert descriptor["SerdeInfo"] == {
        "SerializationLibrary": OPEN_CSV_SERDE,
        "Parameters": {"separatorChar": ",", "quoteChar": '"', "escapeChar": "\\"},
    }
    assert descriptor["Location"] == f"s3://{bucket}/banking-data/fact_transactions/"
    partitions = glue.get_partitions(DatabaseName=database, TableName=TRANSACTIONS.name)["Partitions"]
    assert sorted((p["Values"], p["StorageDescriptor"]["Location"]) for p in partitions) == [
        (["2024-01-01"], f"s3://{bucket}/banking-data/fact_transactions/dt=2024-01-01/"),
        (["2024-01-02"], f"s3://{bucket}/banking-data/fact_transactions/dt=2024-01-02/"),
    ]

    assert catalog.kind() == "glue"
    assert catalog.columns(TRANSACTIONS) == (*TRANSACTIONS.column_names, "dt")
    assert catalog.partitions(CHANNELS, [*DAYS, date(2024, 1, 3)]) == set(DAYS)
    assert catalog.row_counts(CHANNELS, [*DAYS, date(2024, 1, 3)]) == {DAYS[0]: 3, DAYS[1]: 5, date(2024, 1, 3): 0}


def test_crawl_again_changes_nothing_and_repairs_a_moved_partition(aws_env: str, tmp_path: Path) -> None:
    lake, catalog = lake_and_catalog()
    land(lake, tmp_path, [CHANNELS], {DAYS[0]: 2})
    catalog.register([CHANNELS], DAYS[:1])
    glue, database = client("glue"), os.environ["BANKING_DW_GLUE_DATABASE"]
    version = glue.get_table(DatabaseName=database, Name=CHANNELS.name)["Table"]["VersionId"]
    moved = glue.get_partition(DatabaseName=database, TableName=CHANNELS.name, PartitionValues=["2024-01-01"])
    wrong = {**moved["Partition"]["StorageDescriptor"], "Location": "s3://elsewhere/dim_channels/dt=2024-01-01/"}
    glue.update_partition(
        DatabaseName=database,
        TableName=CHANNELS.name,
        PartitionValueList=["2024-01-01"],
        PartitionInput={"Values": ["2024-01-01"], "StorageDescriptor": wrong},
    )

    catalog.register([CHANNELS], DAYS[:1])

    assert glue.get_table(DatabaseName=database, Name=CHANNELS.name)["Table"]["VersionId"] == version
    partition = glue.get_partition(DatabaseName=database, TableName=CHANNELS.name, PartitionValues=["2024-01-01"])
    assert partition["Partition"]["StorageDescriptor"]["Location"] == catalog.partition_location(CHANNELS, DAYS[0])


def test_a_table_changed_by_hand_is_put_back_to_the_contract(aws_env: str, tmp_path: Path) -> None:
    lake, catalog = lake_and_catalog()
    land(lake, tmp_path, [CHANNELS], {DAYS[0]: 2})
    catalog.register([CHANNELS], DAYS[:1])
    glue, database = client("glue"), os.environ["BANKING_DW_GLUE_DATABASE"]
    table = glue.get_table(DatabaseName=database, Name=CHANNELS.name)["Table"]
    inferred = [{"Name": c["Name"], "Type": "bigint"} for c in table["StorageDescriptor"]["Columns"]]
    glue.update_table(
        DatabaseName=database,
        TableInput={
            "Name": CHANNELS.name,
            "TableType": "EXTERNAL_TABLE",
            "PartitionKeys": table["PartitionKeys"],
            "StorageDescriptor": {**table["StorageDescriptor"], "Columns": inferred},
        },
    )

    catalog.register([CHANNELS], DAYS[:1])

    columns = glue.get_table(DatabaseName=database, Name=CHANNELS.name)["Table"]["StorageDescriptor"]["Columns"]
    assert {c["Type"] for c in columns} == {"string"}


def test_catalog_without_the_table_reports_nothing(aws_env: str) -> None:
    _, catalog = lake_and_catalog()
    assert catalog.columns(CHANNELS) == ()
    assert catalog.partitions(CHANNELS, DAYS) == set()
    assert catalog.row_counts(CHANNELS, DAYS) == {DAYS[0]: 0, DAYS[1]: 0}


def test_crawl_of_a_day_not_published_fails_naming_table_and_day_before_touching_glue(
    aws_env: str, tmp_path: Path
) -> None:
    lake, catalog = lake_and_catalog()
    land(lake, tmp_path, [CHANNELS, TRANSACTIONS], {DAYS[0]: 2})
    land(lake, tmp_path, [TRANSACTIONS], {DAYS[1]: 2})
    # dim_channels' object of the second day is in the bucket, but no manifest names it: unpublished.
    source = write_csv(tmp_path, CHANNELS, DAYS[1], sample_rows(CHANNELS, 2))
    lake.put(source, object_key(CHANNELS.name, DAYS[1]), md5_of(source.read_bytes()))

    with pytest.raises(dg.Failure) as raised:
        catalog.register([TRANSACTIONS, CHANNELS], DAYS)

    message = str(raised.value)
    assert "dim_channels is not published in the lake for 2024-01-02" in message
    assert "2024-01-01" not in message and "fact_transactions" not in message
    assert catalog.columns(CHANNELS) == () and catalog.columns(TRANSACTIONS) == ()
    # A day of which nothing was ever landed is named the same way.
    with pytest.raises(dg.Failure, match="fact_transactions is not published in the lake for 2024-01-03"):
        catalog.register([TRANSACTIONS], [date(2024, 1, 3)])
    assert catalog.columns(TRANSACTIONS) == ()


def test_checks_on_s3_pass_and_catch_an_object_replaced_behind_the_manifest(aws_env: str, tmp_path: Path) -> None:
    lake, catalog = lake_and_catalog()
    manifests = land(lake, tmp_path, [CHANNELS], {DAYS[0]: 2, DAYS[1]: 3})
    catalog.register([CHANNELS], DAYS)
    audits = {day: audit_file(csv_file(tmp_path, CHANNELS, day), CHANNELS) for day in DAYS}

    outcomes = verify_landed(CHANNELS, audits, manifests, lake) + verify_bronze(
        CHANNELS, DAYS, catalog.shown([CHANNELS], DAYS)[CHANNELS.name], manifests, lake
    )

    assert {o.name: o.passed for o in outcomes} == dict.fromkeys(
        [
            OBJECTS_PRESENT,
            CHECKSUM_MATCHES,
            ROW_COUNT_MATCHES_CSV,
            COLUMNS_MATCH,
            PARTITIONS_VISIBLE,
            ROW_COUNT_MATCHES_LANDED,
            ONLY_NAMED_OBJECTS,
        ],
        True,
    )

    # A row more written straight over the second day's object, not through publish_day.
    tampered = write_csv(tmp_path / "tampered", CHANNELS, DAYS[1], sample_rows(CHANNELS, 4))
    lake.put(tampered, object_key(CHANNELS.name, DAYS[1]), md5_of(tampered.read_bytes()))
    manifests = {day: lake.manifest(day) for day in DAYS}

    outcomes = verify_landed(CHANNELS, audits, manifests, lake) + verify_bronze(
        CHANNELS, DAYS, catalog.shown([CHANNELS], DAYS)[CHANNELS.name], manifests, lake
    )

    failed = {o.name: o.description for o in outcomes if not o.passed}
    assert set(failed) == {OBJECTS_PRESENT, CHECKSUM_MATCHES, ROW_COUNT_MATCHES_CSV, ROW_COUNT_MATCHES_LANDED}
    assert (
        "2024-01-02: banking-data/dim_channels/dt=2024-01-02/dim_channels.csv is not what the manifest published"
        in failed[OBJECTS_PRESENT]
    )
    assert "2024-01-01" not in failed[OBJECTS_PRESENT]
    assert "2024-01-02: bronze 4 vs landed 3" in failed[ROW_COUNT_MATCHES_LANDED]
    assert "2024-01-01" not in failed[ROW_COUNT_MATCHES_LANDED]


def test_crawler_is_created_with_a_log_only_policy_and_runs_to_completion(
    aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BANKING_DW_GLUE_SECURITY_CONFIGURATION", "banking-dw-encrypted")
    lake, catalog = lake_and_catalog()
    land(lake, tmp_path, [CHANNELS], {DAYS[0]: 1})

    catalog.register([CHANNELS], DAYS[:1])

    crawler = client("glue").get_crawler(Name=os.environ["BANKING_DW_GLUE_CRAWLER"])["Crawler"]
    assert crawler["State"] == "READY"
    assert crawler["LastCrawl"]["Status"] == "COMPLETED"  # moto's word for Glue's SUCCEEDED
    assert crawler["SchemaChangePolicy"] == SCHEMA_CHANGE_POLICY
    assert crawler["Role"] == FAKE_ROLE
    assert crawler["CrawlerSecurityConfiguration"] == "banking-dw-encrypted"
    assert crawler["Targets"]["CatalogTargets"] == [
        {"DatabaseName": os.environ["BANKING_DW_GLUE_DATABASE"], "Tables": sorted(c.name for c in CONTRACTS)}
    ]


def test_a_crawler_that_never_finishes_times_out_naming_it(
    aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BANKING_DW_GLUE_CRAWLER_TIMEOUT_SECONDS", "0.5")
    set_crawl_progression(aws_env, {"progression": "manual", "times": 1_000_000})
    lake, catalog = lake_and_catalog()
    land(lake, tmp_path, [CHANNELS], {DAYS[0]: 1})

    with pytest.raises(CrawlerError) as raised:
        catalog.register([CHANNELS], DAYS[:1])

    message = str(raised.value)
    assert os.environ["BANKING_DW_GLUE_CRAWLER"] in message
    assert "still RUNNING after 0." in message and "timeout 0.5s" in message

    # The crawl it left running makes the next crawl fail at once, saying so.
    with pytest.raises(CrawlerError, match="already running another crawl"):
        catalog.register([CHANNELS], DAYS[:1])


def test_an_existing_crawler_that_could_rewrite_columns_is_refused(aws_env: str, tmp_path: Path) -> None:
    lake, catalog = lake_and_catalog()
    land(lake, tmp_path, [CHANNELS], {DAYS[0]: 1})
    client("glue").create_crawler(
        Name=os.environ["BANKING_DW_GLUE_CRAWLER"],
        Role=FAKE_ROLE,
        Targets={"S3Targets": [{"Path": f"s3://{os.environ['BANKING_DW_S3_BUCKET']}/banking-data/"}]},
        SchemaChangePolicy={"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "DEPRECATE_IN_DATABASE"},
    )
    with pytest.raises(CrawlerError, match="could rewrite or drop the contract's tables"):
        catalog.register([CHANNELS], DAYS[:1])


def test_a_failed_or_cancelled_last_crawl_fails_with_its_message() -> None:
    judge_finished_crawl("c", {"Status": "SUCCEEDED"})
    with pytest.raises(CrawlerError, match="c finished its crawl with status FAILED: Access Denied"):
        judge_finished_crawl(
            "c", {"Status": "FAILED", "ErrorMessage": "Access Denied", "LogGroup": "/aws-glue/crawlers"}
        )
    with pytest.raises(CrawlerError, match="status CANCELLED"):
        judge_finished_crawl("c", {"Status": "CANCELLED"})


# --- configuration -------------------------------------------------------------------------


def test_resources_work_inside_a_dagster_run(aws_env: str, tmp_path: Path) -> None:
    source = write_csv(tmp_path, CHANNELS, DAYS[0], sample_rows(CHANNELS, 2))

    injected: list[object] = []

    # Annotated with the base classes, as the layers' assets are: the target's subclasses are injected.
    @dg.asset
    def landed_and_crawled(lake: LakeResource, catalog: CatalogResource) -> None:
        injected.extend([lake, catalog])
        lake.publish_day(DAYS[0], [delivery(source, CHANNELS)], quiet)
        catalog.register([CHANNELS], DAYS[:1])

    target = aws_resources()
    result = dg.materialize([landed_and_crawled], resources={"lake": target.lake, "catalog": target.catalog})

    assert result.success
    assert [type(resource) for resource in injected] == [S3Lake, GlueCatalog]
    lake, catalog = lake_and_catalog()
    assert set(lake.manifest(DAYS[0]).tables) == {CHANNELS.name}
    assert catalog.row_counts(CHANNELS, DAYS[:1]) == {DAYS[0]: 2}


def test_the_aws_graph_differs_from_the_local_one_only_in_the_catalog_and_warehouse_kinds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from banking_dw.definitions import defs

    monkeypatch.delenv("BANKING_DW_TARGET", raising=False)
    local = defs().resolve_asset_graph()
    monkeypatch.setenv("BANKING_DW_TARGET", "aws")
    set_required_aws_settings(monkeypatch)
    aws = defs().resolve_asset_graph()

    def shape(graph: Any, key: dg.AssetKey) -> tuple[object, ...]:
        node = graph.get(key)
        return (node.group_name, node.parent_keys, node.description, node.metadata, node.partitions_def)

    assert aws.get_all_asset_keys() == local.get_all_asset_keys()
    assert set(aws.asset_check_keys) == set(local.asset_check_keys)
    assert {key: shape(aws, key) for key in aws.get_all_asset_keys()} == {
        key: shape(local, key) for key in local.get_all_asset_keys()
    }
    differing = {
        key: (local.get(key).kinds, aws.get(key).kinds)
        for key in local.get_all_asset_keys()
        if local.get(key).kinds != aws.get(key).kinds
    }
    bronze = {bronze_key(t.name) for t in CONTRACTS}
    assert {key: differing[key] for key in bronze} == dict.fromkeys(bronze, ({"duckdb"}, {"glue"}))
    models = {key for key in local.get_all_asset_keys() if "dbt" in local.get(key).kinds}
    assert {key: differing[key] for key in differing.keys() - bronze} == dict.fromkeys(
        models, ({"dbt", "duckdb"}, {"dbt", "redshift"})
    )


def test_missing_settings_fail_with_one_line_naming_each(monkeypatch: pytest.MonkeyPatch) -> None:
    set_required_aws_settings(monkeypatch)
    monkeypatch.delenv("BANKING_DW_S3_BUCKET")
    monkeypatch.setenv("REDSHIFT_PASSWORD", " ")
    with pytest.raises(MissingSetting) as raised:
        aws_resources()
    message = str(raised.value)
    assert message.startswith("BANKING_DW_S3_BUCKET is not set: ") and "\n" not in message
    assert "; REDSHIFT_PASSWORD is not set: " in message
    assert "BANKING_DW_S3_KMS_KEY_ID" not in message


def test_the_warehouse_reaches_redshift_with_its_own_settings_over_verified_tls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_required_aws_settings(monkeypatch, REDSHIFT_HOST="redshift.example", REDSHIFT_PASSWORD="s3cret")
    monkeypatch.setenv("BANKING_DW_GLUE_DATABASE", "bronze_prod")
    with dg.build_resources({"warehouse": aws_resources().warehouse}) as opened:
        warehouse = opened.warehouse
    assert isinstance(warehouse, RedshiftWarehouse)
    # dbt's profile reads these: the warehouse is the one place they come from.
    environment = warehouse.dbt_environment()
    assert (environment["REDSHIFT_HOST"], environment["REDSHIFT_PORT"]) == ("redshift.example", "5439")
    assert environment["REDSHIFT_PASSWORD"] == "s3cret"
    assert environment["BANKING_DW_GLUE_DATABASE"] == "bronze_prod"
    assert (warehouse.kind(), warehouse.dbt_target()) == ("redshift", "aws")

    connected: list[dict[str, object]] = []

    class Refused(Exception):
        pass

    def connect(**arguments: object) -> None:
        connected.append(arguments)
        raise Refused

    monkeypatch.setattr("redshift_connector.connect", connect)
    with pytest.raises(Refused):
        warehouse.query("select 1")
    [arguments] = connected
    assert arguments["host"] == "redshift.example" and arguments["port"] == 5439
    assert (arguments["ssl"], arguments["sslmode"]) == (True, "verify-full")


# --- infrastructure as code ----------------------------------------------------------------


def test_cloudformation_template_passes_cfn_lint() -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([str(cfn_lint), str(TEMPLATE)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


class CloudFormationLoader(yaml.SafeLoader):
    """Reads the short-form intrinsics (!Ref, !Sub, !If, ...) as their long-form mappings."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, object]:
    if isinstance(node, yaml.ScalarNode):
        value: object = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


CloudFormationLoader.add_multi_constructor("!", _intrinsic)


def test_cloudformation_crawler_and_outputs_match_the_code() -> None:
    template = yaml.load(TEMPLATE.read_text(), Loader=CloudFormationLoader)
    crawler = template["Resources"]["BronzeCrawler"]["Properties"]
    assert crawler["SchemaChangePolicy"] == SCHEMA_CHANGE_POLICY
    assert json.loads(crawler["Configuration"]) == CRAWLER_CONFIGURATION
    assert crawler["Targets"]["CatalogTargets"][0]["Tables"] == sorted(c.name for c in CONTRACTS)
    outputs = {o["Description"].split()[0] for o in template["Outputs"].values()}
    assert outputs >= {
        "BANKING_DW_S3_BUCKET",
        "BANKING_DW_S3_PREFIX",
        "BANKING_DW_S3_KMS_KEY_ID",
        "BANKING_DW_GLUE_DATABASE",
        "BANKING_DW_GLUE_CRAWLER",
        "BANKING_DW_GLUE_CRAWLER_ROLE_ARN",
        "BANKING_DW_GLUE_SECURITY_CONFIGURATION",
        "BANKING_DW_REDSHIFT_IAM_ROLE_ARN",
        "AWS_REGION",
        "REDSHIFT_HOST",
        "REDSHIFT_PORT",
        "REDSHIFT_DATABASE",
        "REDSHIFT_USER",
        "REDSHIFT_PASSWORD",
    }


# --- a real account (opt-in) ---------------------------------------------------------------

SMOKE_VARIABLES = (*REQUIRED, "BANKING_DW_GLUE_CRAWLER_ROLE_ARN")


@pytest.mark.skipif(
    os.environ.get("BANKING_DW_AWS_SMOKE") != "1" or not all(os.environ.get(v) for v in SMOKE_VARIABLES),
    reason="against a real AWS account: set BANKING_DW_AWS_SMOKE=1, AWS credentials and AWS_REGION, and the"
    f" deploy/aws stack's outputs {', '.join(SMOKE_VARIABLES)} (optionally BANKING_DW_S3_PREFIX,"
    " BANKING_DW_GLUE_DATABASE, BANKING_DW_GLUE_CRAWLER)",
)
def test_smoke_land_and_crawl_on_a_real_account(tmp_path: Path) -> None:
    """One small day of one table, landed, crawled by the real crawler and read back, then removed."""
    lake, catalog = lake_and_catalog()
    day = date(2000, 1, 1)  # long before any generated day, so no window ever reads it
    key = object_key(CHANNELS.name, day)
    source = write_csv(tmp_path, CHANNELS, day, sample_rows(CHANNELS, 3))
    try:
        published = lake.publish_day(day, [delivery(source, CHANNELS)], quiet)
        with s3_writes(lake) as writes:
            assert lake.publish_day(day, [delivery(source, CHANNELS)], quiet) == published
        assert writes == []

        catalog.register([CHANNELS], [day])

        assert catalog.columns(CHANNELS) == (*CHANNELS.column_names, "dt")
        assert catalog.partitions(CHANNELS, [day]) == {day}
        assert catalog.row_counts(CHANNELS, [day]) == {day: 3}
    finally:
        catalog.glue_client().batch_delete_partition(
            DatabaseName=catalog.database, TableName=CHANNELS.name, PartitionsToDelete=[{"Values": [day.isoformat()]}]
        )
        lake.delete(manifest_key(day))
        lake.delete(key)


# --- the whole front of the graph on the aws target ----------------------------------------


def test_aws_target_lands_catalogs_and_crawls_two_days_with_every_check_passing(
    aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's acceptance command, in process: raw -> S3 -> Glue tables, partitions, crawl."""
    from banking_dw.definitions import defs

    monkeypatch.setenv("BANKING_DW_TARGET", "aws")
    monkeypatch.setenv("BANKING_DW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BANKING_DW_TRANSACTIONS_PER_DAY", "200")
    definitions = defs()
    keys = dg.AssetSelection.groups("raw", "landing", "bronze").resolve(definitions.resolve_asset_graph())
    result = definitions.resolve_implicit_global_asset_job_def().execute_in_process(
        asset_selection=list(keys),
        instance=dg.DagsterInstance.ephemeral(),
        tags={"dagster/asset_partition_range_start": "2024-01-01", "dagster/asset_partition_range_end": "2024-01-02"},
    )

    evaluations = result.get_asset_check_evaluations()
    assert {e.asset_key.path[0] for e in evaluations} == {"raw", "landing", "bronze"}
    assert [f"{e.asset_key.to_user_string()}:{e.check_name}" for e in evaluations if not e.passed] == []
    evaluated = {(e.asset_key.path[0], e.check_name) for e in evaluations}
    landing_checks = (FILE_STRUCTURE_VALID, OBJECTS_PRESENT, CHECKSUM_MATCHES, ROW_COUNT_MATCHES_CSV)
    bronze_checks = (COLUMNS_MATCH, PARTITIONS_VISIBLE, ROW_COUNT_MATCHES_LANDED)
    assert {("landing", name) for name in landing_checks} | {("bronze", name) for name in bronze_checks} <= evaluated
    # Each day's manifest names every table with the raw file's rows, bytes and MD5.
    lake, _ = lake_and_catalog()
    for day in DAYS:
        manifest = lake.manifest(day)
        assert set(manifest.tables) == {t.name for t in CONTRACTS}
        for table in CONTRACTS:
            raw = csv_path(tmp_path / "data", table.name, day).read_bytes()
            entry = manifest.tables[table.name]
            assert (entry.key, entry.rows, entry.size_bytes, entry.md5) == (
                object_key(table.name, day),
                raw.count(b"\n") - 1,
                len(raw),
                md5_of(raw),
            ), (table.name, day)
    glue = client("glue")
    database = os.environ["BANKING_DW_GLUE_DATABASE"]
    for table in CONTRACTS:
        partitions = glue.get_partitions(DatabaseName=database, TableName=table.name)["Partitions"]
        assert sorted(p["Values"][0] for p in partitions) == ["2024-01-01", "2024-01-02"]
    crawler = glue.get_crawler(Name=os.environ["BANKING_DW_GLUE_CRAWLER"])["Crawler"]
    assert crawler["State"] == "READY" and crawler["LastCrawl"]["Status"] in ("COMPLETED", "SUCCEEDED")


def test_a_published_object_gone_from_the_bucket_fails_the_bronze_check_instead_of_crashing(
    aws_env: str, tmp_path: Path
) -> None:
    lake, catalog = lake_and_catalog()
    manifests = land(lake, tmp_path, [CHANNELS], {DAYS[0]: 2})
    catalog.register([CHANNELS], DAYS[:1])
    lake.delete(object_key(CHANNELS.name, DAYS[0]))

    # Spectrum reads nothing from a partition whose folder is empty.
    assert catalog.row_counts(CHANNELS, DAYS[:1]) == {DAYS[0]: 0}
    failed = {
        o.name
        for o in verify_bronze(CHANNELS, DAYS[:1], catalog.shown([CHANNELS], DAYS[:1])[CHANNELS.name], manifests, lake)
        if not o.passed
    }
    assert ROW_COUNT_MATCHES_LANDED in failed


def test_a_stray_object_in_a_partition_folder_fails_the_crawl_check_and_the_gate_by_day_and_key(
    aws_env: str, tmp_path: Path
) -> None:
    """Spectrum reads every object of a partition's folder: a stray one is counted as bronze reads
    it, reported by key (never by content), and the dbt step's gate refuses the day."""
    lake, catalog = lake_and_catalog()
    manifests = land(lake, tmp_path, [CHANNELS], {DAYS[0]: 2, DAYS[1]: 3})
    stray_key = f"{table_prefix(CHANNELS.name)}dt={DAYS[1].isoformat()}/dim_channels (1).csv"
    stray = write_csv(tmp_path / "stray", CHANNELS, DAYS[1], sample_rows(CHANNELS, 2))
    lake.put(stray, stray_key, md5_of(stray.read_bytes()))
    catalog.register([CHANNELS], DAYS)

    assert catalog.row_counts(CHANNELS, DAYS) == {DAYS[0]: 2, DAYS[1]: 5}
    failed = {
        o.name: o
        for o in verify_bronze(CHANNELS, DAYS, catalog.shown([CHANNELS], DAYS)[CHANNELS.name], manifests, lake)
        if not o.passed
    }
    assert set(failed) == {ROW_COUNT_MATCHES_LANDED, ONLY_NAMED_OBJECTS}
    assert failed[ONLY_NAMED_OBJECTS].failed_days == {DAYS[1]}
    assert f"2024-01-02: {stray_key}" in failed[ONLY_NAMED_OBJECTS].description
    assert "2024-01-02: bronze 5 vs landed 3" in failed[ROW_COUNT_MATCHES_LANDED].description
    assert lake_gaps(lake, [CHANNELS.name], manifests) == [
        f"dim_channels 2024-01-02: objects its manifest does not name: {stray_key}"
    ]


def test_two_runs_publishing_one_day_at_once_leave_a_manifest_true_to_the_objects(aws_env: str, tmp_path: Path) -> None:
    run_a, _ = lake_and_catalog()
    run_b, _ = lake_and_catalog()  # another run: its own resource and client
    land(run_a, tmp_path, [CHANNELS, TRANSACTIONS], {DAYS[0]: 2})
    channels = write_csv(tmp_path / "a", CHANNELS, DAYS[0], sample_rows(CHANNELS, 3))
    transactions = write_csv(tmp_path / "b", TRANSACTIONS, DAYS[0], sample_rows(TRANSACTIONS, 4))
    b = threading.Thread(target=lambda: run_b.publish_day(DAYS[0], [delivery(transactions, TRANSACTIONS)], quiet))

    def b_publishes_meanwhile(params: dict[str, Any], **_: Any) -> None:
        if params.get("Key", "").endswith("dim_channels.csv") and not b.is_alive() and b.ident is None:
            b.start()
            b.join(timeout=3)  # B finishes now unless it has to wait for A

    run_a.client().meta.events.register("before-parameter-build.s3.PutObject", b_publishes_meanwhile)
    run_a.publish_day(DAYS[0], [delivery(channels, CHANNELS)], quiet)
    b.join()

    manifest = run_a.manifest(DAYS[0])
    assert set(manifest.tables) == {CHANNELS.name, TRANSACTIONS.name}
    for name, entry in manifest.tables.items():
        landed = run_a.stat(entry.key)
        assert landed is not None and (landed.size_bytes, landed.md5) == (entry.size_bytes, entry.md5), name


def test_a_killed_publishers_lapsed_lock_is_taken_over_and_a_live_one_waited_for(aws_env: str, tmp_path: Path) -> None:
    lake, _ = lake_and_catalog()
    lease = {"holder": "a killed run", "expires": time.time() - 1}
    lake.client().put_object(Bucket=lake.bucket, Key=lake.lock_key(), Body=json.dumps(lease).encode())
    land(lake, tmp_path, [CHANNELS], {DAYS[0]: 2})
    assert set(lake.manifest(DAYS[0]).tables) == {CHANNELS.name}

    lake.client().put_object(
        Bucket=lake.bucket,
        Key=lake.lock_key(),
        Body=json.dumps({"holder": "a live run", "expires": time.time() + 60}).encode(),
    )
    waiting = lake.model_copy(update={"lock_timeout_seconds": 0.5, "lock_poll_seconds": 0.1})
    with pytest.raises(TimeoutError, match="is held by a live run until"):
        land(waiting, tmp_path / "again", [CHANNELS], {DAYS[1]: 2})
