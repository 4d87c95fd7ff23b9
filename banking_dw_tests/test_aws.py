"""The aws target's lake (S3) and catalog (Glue) against moto's server, and its CloudFormation.

Each test gets its own bucket, database and crawler on one moto server, so they are independent.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import boto3
import dagster as dg
import pytest
import yaml
from botocore.config import Config

from banking_dw.aws import MissingSetting, aws_resources
from banking_dw.bronze.glue import (
    CRAWLER_CONFIGURATION,
    OPEN_CSV_SERDE,
    SCHEMA_CHANGE_POLICY,
    CrawlerError,
    GlueCatalog,
    csv_data_rows,
    judge_finished_crawl,
)
from banking_dw.contracts import CONTRACTS, TableContract, contract
from banking_dw.landing.resources import file_md5, object_key
from banking_dw.landing.s3 import S3Lake
from banking_dw.settings import repository_root
from banking_dw_tests.moto_server import set_crawl_progression

TEMPLATE = repository_root() / "deploy" / "aws" / "banking_dw.yaml"
DAYS = [date(2024, 1, 1), date(2024, 1, 2)]
CHANNELS = contract("dim_channels")
TRANSACTIONS = contract("fact_transactions")
FAKE_ROLE = "arn:aws:iam::123456789012:role/banking-dw-crawler"


@pytest.fixture
def aws_env(moto_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The environment a deployment sets, pointed at moto; fresh names so no test sees another's."""
    suffix = uuid.uuid4().hex[:12]
    # No developer's ~/.aws profile or real credentials may leak into the tests.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    # moto answers 500 for what it does not implement: fail at once rather than retry for seconds.
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("BANKING_DW_S3_BUCKET", f"banking-dw-{suffix}")
    monkeypatch.setenv("BANKING_DW_GLUE_DATABASE", f"bronze_{suffix}")
    monkeypatch.setenv("BANKING_DW_GLUE_CRAWLER", f"crawler_{suffix}")
    monkeypatch.setenv("BANKING_DW_GLUE_CRAWLER_ROLE_ARN", FAKE_ROLE)
    for name in ("BANKING_DW_S3_PREFIX", "BANKING_DW_S3_KMS_KEY_ID", "BANKING_DW_GLUE_CRAWLER_TIMEOUT_SECONDS"):
        monkeypatch.delenv(name, raising=False)
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
    resources = aws_resources()
    lake, catalog = resources["lake"], resources["catalog"]
    assert isinstance(lake, S3Lake) and isinstance(catalog, GlueCatalog)
    return lake, catalog


def write_csv(directory: Path, table: TableContract, day: date, rows: list[list[str]]) -> Path:
    path = directory / day.isoformat() / f"{table.name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [",".join(table.column_names)] + [",".join(row) for row in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode())
    return path


def sample_rows(table: TableContract, count: int) -> list[list[str]]:
    return [[f"{column}-{n}" for column in table.column_names] for n in range(count)]


def land(lake: S3Lake, directory: Path, tables: list[TableContract], rows_per_day: dict[date, int]) -> None:
    for table in tables:
        for day, count in rows_per_day.items():
            lake.put(write_csv(directory, table, day, sample_rows(table, count)), object_key(table, day))


# --- the lake ------------------------------------------------------------------------------


def test_landed_object_has_its_key_md5_metadata_and_sse_s3(aws_env: str, tmp_path: Path) -> None:
    lake, _ = lake_and_catalog()
    source = write_csv(tmp_path, CHANNELS, DAYS[0], sample_rows(CHANNELS, 3))
    key = object_key(CHANNELS, DAYS[0])

    landed = lake.put(source, key)

    bucket = os.environ["BANKING_DW_S3_BUCKET"]
    head = client("s3").head_object(Bucket=bucket, Key="banking-data/dim_channels/dt=2024-01-01/dim_channels.csv")
    assert head["ServerSideEncryption"] == "AES256"
    assert head["Metadata"]["md5"] == file_md5(source)
    assert landed.uri == f"s3://{bucket}/banking-data/dim_channels/dt=2024-01-01/dim_channels.csv"
    assert lake.stat(key) == landed
    assert (landed.size_bytes, landed.md5) == (source.stat().st_size, file_md5(source))
    assert lake.read_bytes(key) == source.read_bytes()
    assert lake.stat(object_key(CHANNELS, DAYS[1])) is None
    with pytest.raises(FileNotFoundError):
        lake.read_bytes(object_key(CHANNELS, DAYS[1]))


def test_kms_key_and_prefix_from_the_environment(aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key_id = client("kms").create_key(Description="banking-dw lake")["KeyMetadata"]["KeyId"]
    monkeypatch.setenv("BANKING_DW_S3_KMS_KEY_ID", key_id)
    monkeypatch.setenv("BANKING_DW_S3_PREFIX", "prod/banking")
    lake, _ = lake_and_catalog()

    landed = lake.put(write_csv(tmp_path, CHANNELS, DAYS[0], sample_rows(CHANNELS, 1)), object_key(CHANNELS, DAYS[0]))

    bucket_key = "prod/banking/dim_channels/dt=2024-01-01/dim_channels.csv"
    head = client("s3").head_object(Bucket=os.environ["BANKING_DW_S3_BUCKET"], Key=bucket_key)
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"].endswith(key_id)
    assert landed.uri.endswith(f"/{bucket_key}")
    # Keys outside the data prefix (rejected files) are not re-rooted.
    assert lake.bucket_key("_rejected/dim_channels/dt=2024-01-01/dim_channels.csv").startswith("_rejected/")


def test_landing_the_same_bytes_again_writes_nothing(aws_env: str, tmp_path: Path) -> None:
    bucket = os.environ["BANKING_DW_S3_BUCKET"]
    s3 = client("s3")
    # With versioning every PUT leaves a version, so the count shows whether a put was issued.
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    lake, _ = lake_and_catalog()
    key = object_key(CHANNELS, DAYS[0])
    source = write_csv(tmp_path, CHANNELS, DAYS[0], sample_rows(CHANNELS, 2))

    def versions() -> list[dict]:
        return s3.list_object_versions(Bucket=bucket, Prefix=lake.bucket_key(key)).get("Versions", [])

    first = lake.put(source, key)
    second = lake.put(source, key)
    assert second == first
    assert len(versions()) == 1

    write_csv(tmp_path, CHANNELS, DAYS[0], sample_rows(CHANNELS, 3))
    third = lake.put(source, key)
    assert third.md5 == file_md5(source) != first.md5
    assert len(versions()) == 2


# --- the catalog ---------------------------------------------------------------------------


def test_crawl_creates_tables_and_partitions_equal_to_the_contract(aws_env: str, tmp_path: Path) -> None:
    lake, catalog = lake_and_catalog()
    land(lake, tmp_path, [CHANNELS, TRANSACTIONS], {DAYS[0]: 3, DAYS[1]: 5})

    catalog.crawl([CHANNELS, TRANSACTIONS], DAYS)

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

    assert catalog.columns(TRANSACTIONS) == (*TRANSACTIONS.column_names, "dt")
    assert catalog.partitions(CHANNELS, [*DAYS, date(2024, 1, 3)]) == set(DAYS)
    assert catalog.row_counts(CHANNELS, [*DAYS, date(2024, 1, 3)]) == {DAYS[0]: 3, DAYS[1]: 5, date(2024, 1, 3): 0}


def test_crawl_again_changes_nothing_and_repairs_a_moved_partition(aws_env: str, tmp_path: Path) -> None:
    lake, catalog = lake_and_catalog()
    land(lake, tmp_path, [CHANNELS], {DAYS[0]: 2})
    catalog.crawl([CHANNELS], DAYS[:1])
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

    catalog.crawl([CHANNELS], DAYS[:1])

    assert glue.get_table(DatabaseName=database, Name=CHANNELS.name)["Table"]["VersionId"] == version
    partition = glue.get_partition(DatabaseName=database, TableName=CHANNELS.name, PartitionValues=["2024-01-01"])
    assert partition["Partition"]["StorageDescriptor"]["Location"] == catalog.partition_location(CHANNELS, DAYS[0])


def test_a_table_changed_by_hand_is_put_back_to_the_contract(aws_env: str, tmp_path: Path) -> None:
    lake, catalog = lake_and_catalog()
    land(lake, tmp_path, [CHANNELS], {DAYS[0]: 2})
    catalog.crawl([CHANNELS], DAYS[:1])
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

    catalog.crawl([CHANNELS], DAYS[:1])

    columns = glue.get_table(DatabaseName=database, Name=CHANNELS.name)["Table"]["StorageDescriptor"]["Columns"]
    assert {c["Type"] for c in columns} == {"string"}


def test_catalog_without_the_table_reports_nothing(aws_env: str) -> None:
    _, catalog = lake_and_catalog()
    assert catalog.columns(CHANNELS) == ()
    assert catalog.partitions(CHANNELS, DAYS) == set()
    assert catalog.row_counts(CHANNELS, DAYS) == {DAYS[0]: 0, DAYS[1]: 0}


def test_crawl_of_a_day_never_landed_fails_before_touching_glue(aws_env: str) -> None:
    _, catalog = lake_and_catalog()
    with pytest.raises(FileNotFoundError, match="dim_channels on 2024-01-01"):
        catalog.crawl([CHANNELS], DAYS[:1])
    assert catalog.columns(CHANNELS) == ()


def test_crawler_is_created_with_a_log_only_policy_and_runs_to_completion(aws_env: str, tmp_path: Path) -> None:
    lake, catalog = lake_and_catalog()
    land(lake, tmp_path, [CHANNELS], {DAYS[0]: 1})

    catalog.crawl([CHANNELS], DAYS[:1])

    crawler = client("glue").get_crawler(Name=os.environ["BANKING_DW_GLUE_CRAWLER"])["Crawler"]
    assert crawler["State"] == "READY"
    assert crawler["LastCrawl"]["Status"] == "COMPLETED"  # moto's word for Glue's SUCCEEDED
    assert crawler["SchemaChangePolicy"] == SCHEMA_CHANGE_POLICY
    assert crawler["Role"] == FAKE_ROLE
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
        catalog.crawl([CHANNELS], DAYS[:1])

    message = str(raised.value)
    assert os.environ["BANKING_DW_GLUE_CRAWLER"] in message
    assert "still RUNNING after 0." in message and "timeout 0.5s" in message

    # The crawl it left running makes the next crawl fail at once, saying so.
    with pytest.raises(CrawlerError, match="already running another crawl"):
        catalog.crawl([CHANNELS], DAYS[:1])


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
        catalog.crawl([CHANNELS], DAYS[:1])


def test_a_failed_or_cancelled_last_crawl_fails_with_its_message() -> None:
    judge_finished_crawl("c", {"Status": "SUCCEEDED"})
    with pytest.raises(CrawlerError, match="c finished its crawl with status FAILED: Access Denied"):
        judge_finished_crawl(
            "c", {"Status": "FAILED", "ErrorMessage": "Access Denied", "LogGroup": "/aws-glue/crawlers"}
        )
    with pytest.raises(CrawlerError, match="status CANCELLED"):
        judge_finished_crawl("c", {"Status": "CANCELLED"})


def test_row_counts_read_rows_as_opencsvserde_does() -> None:
    columns = ("a", "b", "c")
    assert csv_data_rows(b'a,b,c\n1,"two\nlines",3\n4,5\n6,7,8,9\n10,11,12', columns) == 4
    assert csv_data_rows(b"a,b,c\n", columns) == 0
    assert csv_data_rows(b"a,b,c", columns) == 0
    assert csv_data_rows(b"", columns) == 0


# --- configuration -------------------------------------------------------------------------


def test_resources_work_inside_a_dagster_run(aws_env: str, tmp_path: Path) -> None:
    source = write_csv(tmp_path, CHANNELS, DAYS[0], sample_rows(CHANNELS, 2))

    @dg.asset
    def landed_and_crawled(lake: S3Lake, catalog: GlueCatalog) -> None:
        lake.put(source, object_key(CHANNELS, DAYS[0]))
        catalog.crawl([CHANNELS], DAYS[:1])

    result = dg.materialize([landed_and_crawled], resources=aws_resources())

    assert result.success
    _, catalog = lake_and_catalog()
    assert catalog.row_counts(CHANNELS, DAYS[:1]) == {DAYS[0]: 2}


def test_missing_bucket_fails_with_one_line_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BANKING_DW_S3_BUCKET", raising=False)
    with pytest.raises(MissingSetting) as raised:
        aws_resources()
    message = str(raised.value)
    assert "BANKING_DW_S3_BUCKET" in message and "\n" not in message


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
        "BANKING_DW_REDSHIFT_IAM_ROLE_ARN",
        "AWS_REGION",
        "REDSHIFT_HOST",
        "REDSHIFT_PORT",
        "REDSHIFT_DATABASE",
        "REDSHIFT_USER",
        "REDSHIFT_PASSWORD",
    }


# --- a real account (opt-in) ---------------------------------------------------------------

SMOKE_VARIABLES = ("BANKING_DW_S3_BUCKET", "BANKING_DW_GLUE_CRAWLER_ROLE_ARN")


@pytest.mark.skipif(
    os.environ.get("BANKING_DW_AWS_SMOKE") != "1" or not all(os.environ.get(v) for v in SMOKE_VARIABLES),
    reason="against a real AWS account: set BANKING_DW_AWS_SMOKE=1, AWS credentials and AWS_REGION, and the"
    " deploy/aws stack's outputs BANKING_DW_S3_BUCKET and BANKING_DW_GLUE_CRAWLER_ROLE_ARN (optionally"
    " BANKING_DW_S3_PREFIX, BANKING_DW_GLUE_DATABASE, BANKING_DW_GLUE_CRAWLER)",
)
def test_smoke_land_and_crawl_on_a_real_account(tmp_path: Path) -> None:
    """One small day of one table, landed, crawled by the real crawler and read back, then removed."""
    lake, catalog = lake_and_catalog()
    day = date(2000, 1, 1)  # long before any generated day, so no window ever reads it
    key = object_key(CHANNELS, day)
    source = write_csv(tmp_path, CHANNELS, day, sample_rows(CHANNELS, 3))
    try:
        landed = lake.put(source, key)
        assert lake.put(source, key) == landed

        catalog.crawl([CHANNELS], [day])

        assert catalog.columns(CHANNELS) == (*CHANNELS.column_names, "dt")
        assert catalog.partitions(CHANNELS, [day]) == {day}
        assert catalog.row_counts(CHANNELS, [day]) == {day: 3}
    finally:
        catalog.glue_client().batch_delete_partition(
            DatabaseName=catalog.database, TableName=CHANNELS.name, PartitionsToDelete=[{"Values": [day.isoformat()]}]
        )
        lake.client().delete_object(Bucket=lake.bucket, Key=lake.bucket_key(key))


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
    glue = client("glue")
    database = os.environ["BANKING_DW_GLUE_DATABASE"]
    for table in CONTRACTS:
        partitions = glue.get_partitions(DatabaseName=database, TableName=table.name)["Partitions"]
        assert sorted(p["Values"][0] for p in partitions) == ["2024-01-01", "2024-01-02"]
    crawler = glue.get_crawler(Name=os.environ["BANKING_DW_GLUE_CRAWLER"])["Crawler"]
    assert crawler["State"] == "READY" and crawler["LastCrawl"]["Status"] in ("COMPLETED", "SUCCEEDED")
