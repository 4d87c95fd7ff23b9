"""The aws target's catalog: Glue tables and partitions registered from the contracts, then the
original project's crawler run.

Every table is an external CSV table with every column `string` (bronze never rejects a value;
silver types and judges them), read by OpenCSVSerde with the header skipped, partitioned by `dt`.
The crawler only ever crawls these tables (catalog targets) with a schema-change policy of LOG,
so it can add partitions but never rewrite the contract's columns or create other tables.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import boto3
import dagster as dg
from botocore.exceptions import ClientError
from dagster_aws.utils import ResourceWithBoto3Configuration, construct_boto_client_retry_config
from pydantic import PrivateAttr

from banking_dw.bronze.resources import CatalogResource, require_published
from banking_dw.contracts import CONTRACTS, TableContract
from banking_dw.csv_io import count_rows
from banking_dw.landing.s3 import S3Lake
from banking_dw.layout import day_folder, table_prefix

PARTITION_KEY = "dt"
OPEN_CSV_SERDE = "org.apache.hadoop.hive.serde2.OpenCSVSerde"
TEXT_INPUT_FORMAT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
SERDE_PARAMETERS = {"separatorChar": ",", "quoteChar": '"', "escapeChar": "\\"}
TABLE_PARAMETERS = {"classification": "csv", "skip.header.line.count": "1", "EXTERNAL": "TRUE"}
# LOG/LOG: a crawl may add partitions, never change or drop what the contract defined.
SCHEMA_CHANGE_POLICY = {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}
# Partitions the crawler adds take the table's columns and SerDe instead of inferring their own.
CRAWLER_CONFIGURATION = {"Version": 1.0, "CrawlerOutput": {"Partitions": {"AddOrUpdateBehavior": "InheritFromTable"}}}
# Glue's per-call limits.
BATCH_CREATE_PARTITIONS = 100
BATCH_GET_PARTITIONS = 1000


class CrawlerError(RuntimeError):
    """The crawl step cannot vouch for the catalog: the crawler failed, timed out or was busy."""


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def storage_descriptor(table: TableContract, location: str) -> dict[str, Any]:
    return {
        "Columns": [{"Name": name, "Type": "string"} for name in table.column_names],
        "Location": location,
        "InputFormat": TEXT_INPUT_FORMAT,
        "OutputFormat": TEXT_OUTPUT_FORMAT,
        "SerdeInfo": {"SerializationLibrary": OPEN_CSV_SERDE, "Parameters": dict(SERDE_PARAMETERS)},
    }


def table_input(table: TableContract, location: str) -> dict[str, Any]:
    """The Glue table of a contract: every column `string`, header skipped, `dt` a date partition."""
    return {
        "Name": table.name,
        "Description": table.description,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": dict(TABLE_PARAMETERS),
        "PartitionKeys": [{"Name": PARTITION_KEY, "Type": "date"}],
        "StorageDescriptor": storage_descriptor(table, location),
    }


def partition_input(table: TableContract, day: date, location: str) -> dict[str, Any]:
    return {"Values": [day.isoformat()], "StorageDescriptor": storage_descriptor(table, location)}


def table_matches(current: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Whether the catalog's table already is the contract's (Glue adds fields of its own)."""
    descriptor, wanted_descriptor = current.get("StorageDescriptor", {}), wanted["StorageDescriptor"]
    return (
        current.get("TableType") == wanted["TableType"]
        and current.get("PartitionKeys") == wanted["PartitionKeys"]
        and all(current.get("Parameters", {}).get(k) == v for k, v in wanted["Parameters"].items())
        and [(c["Name"], c["Type"]) for c in descriptor.get("Columns", [])]
        == [(c["Name"], c["Type"]) for c in wanted_descriptor["Columns"]]
        and descriptor.get("Location") == wanted_descriptor["Location"]
        and descriptor.get("InputFormat") == wanted_descriptor["InputFormat"]
        and descriptor.get("OutputFormat") == wanted_descriptor["OutputFormat"]
        and descriptor.get("SerdeInfo", {}).get("SerializationLibrary") == OPEN_CSV_SERDE
        and descriptor.get("SerdeInfo", {}).get("Parameters") == SERDE_PARAMETERS
    )


def crawler_definition(
    name: str, role_arn: str, database: str, security_configuration: str | None = None
) -> dict[str, Any]:
    """create_crawler's arguments: the contract's tables as catalog targets, changes only logged;
    its logs encrypted as the named Glue security configuration says, when one is named."""
    definition = {
        "Name": name,
        "Role": role_arn,
        "DatabaseName": database,
        "Description": "Adds new dt partitions of the banking_dw bronze tables; never changes their columns.",
        "Targets": {"CatalogTargets": [{"DatabaseName": database, "Tables": sorted(t.name for t in CONTRACTS)}]},
        "SchemaChangePolicy": dict(SCHEMA_CHANGE_POLICY),
        "Configuration": json.dumps(CRAWLER_CONFIGURATION),
    }
    if security_configuration:
        definition["CrawlerSecurityConfiguration"] = security_configuration
    return definition


def judge_finished_crawl(name: str, last_crawl: dict[str, Any]) -> None:
    """Raise unless the crawler's last crawl completed."""
    status = last_crawl.get("Status")
    # Glue reports SUCCEEDED; moto reports its crawl state COMPLETED.
    if status in ("SUCCEEDED", "COMPLETED"):
        return
    detail = last_crawl.get("ErrorMessage") or "no error message"
    log = f"{last_crawl.get('LogGroup', '')}/{last_crawl.get('LogStream', '')}".strip("/")
    raise CrawlerError(f"Glue crawler {name} finished its crawl with status {status}: {detail} (log: {log or 'none'})")


class GlueCatalog(ResourceWithBoto3Configuration, CatalogResource):
    """Glue tables of the contracts over an S3Lake, with the crawler run as the original project does.

    Boto3 settings (region, endpoint, retries, credentials) come from dagster-aws's
    ResourceWithBoto3Configuration; unset, boto3's own chain applies (AWS_ENDPOINT_URL, profiles,
    instance roles).
    """

    lake: S3Lake
    database: str = "banking_dw_bronze"
    crawler_name: str = "banking_dw_bronze_crawler"
    # Only needed to create a crawler that does not exist yet (one deployed by deploy/aws has a role).
    crawler_role_arn: str | None = None
    # The Glue security configuration a crawler created here encrypts its logs with.
    crawler_security_configuration: str | None = None
    crawl_timeout_seconds: float = 1800.0
    crawl_poll_seconds: float = 10.0
    _client: Any = PrivateAttr(default=None)

    def glue_client(self) -> Any:
        """One Glue client per resource instance: building one costs a fraction of a second."""
        if self._client is None:
            self._client = self._new_glue_client()
        return self._client

    def _new_glue_client(self) -> Any:
        session = boto3.session.Session(profile_name=self.profile_name)
        return session.client(
            "glue",
            region_name=self.region_name,
            endpoint_url=self.endpoint_url,
            use_ssl=self.use_ssl,
            verify=self.verify,
            aws_access_key_id=self.aws_access_key_id,
            aws_secret_access_key=self.aws_secret_access_key,
            aws_session_token=self.aws_session_token,
            config=construct_boto_client_retry_config(self.max_attempts),
        )

    def table_location(self, table: TableContract) -> str:
        return self.lake.uri(table_prefix(table.name))

    def partition_location(self, table: TableContract, day: date) -> str:
        return self.lake.uri(day_folder(table.name, day))

    # --- the Catalog interface -------------------------------------------------------------

    def kind(self) -> str:
        return "glue"

    def table_uri(self, table: TableContract) -> str:
        return f"glue://{self.database}/{table.name}"

    def register(self, tables: list[TableContract], days: list[date]) -> None:
        """Tables from the contracts, the published days' partitions registered, then the crawler run.

        Every contract table is kept current, not only `tables`: the crawler's targets are all
        of them and a crawl fails on a target table that does not exist.
        """
        if not tables:
            return
        require_published(self.lake, tables, days)
        self._ensure_database()
        self._ensure_tables()
        for table in tables:
            self._register_partitions(table, days)
        self._run_crawler()

    def columns(self, table: TableContract) -> tuple[str, ...]:
        """The table's columns as Glue has them, the partition key `dt` last; () if absent."""
        try:
            found = self.glue_client().get_table(DatabaseName=self.database, Name=table.name)["Table"]
        except ClientError as error:
            if error_code(error) == "EntityNotFoundException":
                return ()
            raise
        columns = found.get("StorageDescriptor", {}).get("Columns", [])
        return tuple(c["Name"] for c in columns) + tuple(k["Name"] for k in found.get("PartitionKeys", []))

    def partitions(self, table: TableContract, days: list[date]) -> set[date]:
        return set(self._registered_locations(table, days))

    def row_counts(self, table: TableContract, days: list[date]) -> dict[date, int]:
        """Data rows of each registered day as Spectrum reads them: every object of the partition's
        folder (a stray one included), one record a line, counted through the lake; 0 for a day the
        catalog cannot see or whose folder is empty. One listing of the table, not one per day."""
        registered = self.partitions(table, days)
        keys = sorted(self.lake.sizes(table_prefix(table.name)))
        return {
            day: sum(self._object_rows(key) for key in keys if key.startswith(day_folder(table.name, day)))
            if day in registered
            else 0
            for day in days
        }

    def _object_rows(self, key: str) -> int:
        """An object gone since the listing reads nothing, as Spectrum would: 0, not an error."""
        try:
            return count_rows(self.lake.iter_bytes(key))
        except FileNotFoundError:
            return 0

    # --- tables and partitions -------------------------------------------------------------

    def _ensure_database(self) -> None:
        glue = self.glue_client()
        try:
            glue.create_database(
                DatabaseInput={"Name": self.database, "Description": "banking_dw bronze: CSV tables over the lake"}
            )
        except ClientError as error:
            if error_code(error) != "AlreadyExistsException":
                raise

    def _ensure_tables(self) -> None:
        """Create the contract tables Glue lacks, put back any that differ (one listing call)."""
        glue = self.glue_client()
        pages = glue.get_paginator("get_tables").paginate(DatabaseName=self.database)
        current = {found["Name"]: found for page in pages for found in page["TableList"]}
        for table in CONTRACTS:
            wanted = table_input(table, self.table_location(table))
            if table.name not in current:
                try:
                    glue.create_table(DatabaseName=self.database, TableInput=wanted)
                except ClientError as error:
                    # Created by a concurrent crawl from the same contract in the meantime.
                    if error_code(error) != "AlreadyExistsException":
                        raise
            elif not table_matches(current[table.name], wanted):
                glue.update_table(DatabaseName=self.database, TableInput=wanted)

    def _registered_locations(self, table: TableContract, days: list[date]) -> dict[date, str]:
        glue = self.glue_client()
        wanted = sorted(set(days))
        found: dict[date, str] = {}
        try:
            for batch in chunks(wanted, BATCH_GET_PARTITIONS):
                response = glue.batch_get_partition(
                    DatabaseName=self.database,
                    TableName=table.name,
                    PartitionsToGet=[{"Values": [day.isoformat()]} for day in batch],
                )
                for partition in response.get("Partitions", []):
                    day = date.fromisoformat(partition["Values"][0])
                    found[day] = partition.get("StorageDescriptor", {}).get("Location", "")
        except ClientError as error:
            if error_code(error) == "EntityNotFoundException":
                return {}
            raise
        return found

    def _register_partitions(self, table: TableContract, days: list[date]) -> None:
        """Create the days' partitions; re-point any whose location is not the lake's."""
        glue = self.glue_client()
        registered = self._registered_locations(table, days)
        missing = [day for day in sorted(set(days)) if day not in registered]
        for batch in chunks(missing, BATCH_CREATE_PARTITIONS):
            response = glue.batch_create_partition(
                DatabaseName=self.database,
                TableName=table.name,
                PartitionInputList=[partition_input(table, day, self.partition_location(table, day)) for day in batch],
            )
            # Another run registering the same day at the same time is fine; anything else is not.
            failures = [
                e for e in response.get("Errors", []) if e["ErrorDetail"]["ErrorCode"] != "AlreadyExistsException"
            ]
            if failures:
                raise RuntimeError(f"Glue could not register partitions of {self.database}.{table.name}: {failures}")
        for day, location in registered.items():
            if location != self.partition_location(table, day):
                glue.update_partition(
                    DatabaseName=self.database,
                    TableName=table.name,
                    PartitionValueList=[day.isoformat()],
                    PartitionInput=partition_input(table, day, self.partition_location(table, day)),
                )

    # --- the crawler ------------------------------------------------------------------------

    def _ensure_crawler(self) -> dict[str, Any]:
        glue = self.glue_client()
        try:
            crawler = glue.get_crawler(Name=self.crawler_name)["Crawler"]
        except ClientError as error:
            if error_code(error) != "EntityNotFoundException":
                raise
            if not self.crawler_role_arn:
                raise CrawlerError(
                    f"Glue crawler {self.crawler_name} does not exist and no role to create it with is configured:"
                    " set BANKING_DW_GLUE_CRAWLER_ROLE_ARN (deploy/aws output CrawlerRoleArn)"
                ) from None
            glue.create_crawler(
                **crawler_definition(
                    self.crawler_name, self.crawler_role_arn, self.database, self.crawler_security_configuration
                )
            )
            return glue.get_crawler(Name=self.crawler_name)["Crawler"]
        if crawler.get("SchemaChangePolicy") != SCHEMA_CHANGE_POLICY:
            raise CrawlerError(
                f"Glue crawler {self.crawler_name} has schema-change policy {crawler.get('SchemaChangePolicy')}:"
                f" it could rewrite or drop the contract's tables; set {SCHEMA_CHANGE_POLICY} (as deploy/aws does)"
            )
        return crawler

    def _run_crawler(self) -> None:
        """Start the crawler and wait until it is READY again with its new crawl completed."""
        glue = self.glue_client()
        before = self._ensure_crawler().get("LastCrawl", {}).get("StartTime")
        try:
            glue.start_crawler(Name=self.crawler_name)
        except ClientError as error:
            if error_code(error) != "CrawlerRunningException":
                raise
            raise CrawlerError(
                f"Glue crawler {self.crawler_name} is already running another crawl; wait for it to finish"
                f" (aws glue get-crawler --name {self.crawler_name}) and run the crawl step again"
            ) from None
        started = time.monotonic()
        while True:
            crawler = glue.get_crawler(Name=self.crawler_name)["Crawler"]
            last_crawl = crawler.get("LastCrawl", {})
            # READY with the previous crawl still the last one means ours has not begun yet.
            if crawler["State"] == "READY" and last_crawl.get("StartTime") != before:
                judge_finished_crawl(self.crawler_name, last_crawl)
                return
            waited = time.monotonic() - started
            if waited >= self.crawl_timeout_seconds:
                raise CrawlerError(
                    f"Glue crawler {self.crawler_name} still {crawler['State']} after {waited:.1f}s"
                    f" (timeout {self.crawl_timeout_seconds:g}s); it keeps running in AWS: check its"
                    " logs, then run the crawl step again once it is READY"
                )
            dg.get_dagster_logger().debug(f"Glue crawler {self.crawler_name} is {crawler['State']} after {waited:.0f}s")
            time.sleep(min(self.crawl_poll_seconds, self.crawl_timeout_seconds - waited))
