"""Where the alerts keep their memory: which checks were alerted, and the record of each alert sent.

Locally two files under the data directory; on the aws target objects in the lake's bucket, so a
deployment keeps no state on the machine that runs the sensors.
"""

from __future__ import annotations

import json
import os
import uuid
from abc import abstractmethod
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
from botocore.exceptions import ClientError
from dagster_aws.s3 import S3Resource
from pydantic import PrivateAttr

from banking_dw import settings
from banking_dw.landing.s3 import encryption_arguments, is_not_found

ALERTED_NAME = "alerted.json"
FAILED_CHECKS_NAME = "failed_checks"


@dataclass(frozen=True)
class FailedCheck:
    run_id: str
    job_name: str
    asset_key: str
    check_name: str
    severity: str
    partition: str | None
    description: str | None
    failed_row_count: int | None = None
    # The query or file that shows the failing rows.
    evidence: str | None = None
    run_url: str | None = None

    @property
    def dedupe_key(self) -> str:
        return check_identity(self.asset_key, self.check_name, self.partition)

    def message(self) -> str:
        where = f" [{self.partition}]" if self.partition else ""
        rows = "" if self.failed_row_count is None else f", {self.failed_row_count} failing row(s)"
        lines = [
            f"{self.severity} check failed: {self.asset_key}{where} {self.check_name}{rows}"
            + (f": {self.description}" if self.description else "")
        ]
        if self.evidence:
            lines.append(f"rows: {self.evidence}")
        lines.append(f"run: {self.run_url or self.run_id} (job {self.job_name})")
        return "\n".join(lines)


def check_identity(asset_key: str, check_name: str, partition: str | None) -> str:
    return f"{asset_key}|{check_name}|{partition or ''}"


def _alerted_json(identities: set[str]) -> str:
    return json.dumps(sorted(identities), indent=1)


def _json_lines(failures: list[FailedCheck]) -> str:
    return "".join(json.dumps(asdict(failure), sort_keys=True) + "\n" for failure in failures)


class AlertLedger(dg.ConfigurableResource):
    """Base of the ledgers: AlertSinks annotates with it, any subclass is injected."""

    @abstractmethod
    def alerted(self) -> set[str]:
        """The identities (`check_identity`) of the failures already alerted."""

    @abstractmethod
    def record_alerted(self, identities: set[str]) -> None:
        """Replace the alerted identities with `identities`."""

    @abstractmethod
    def append(self, failures: list[FailedCheck]) -> str:
        """Keep the JSON record of each alert sent; returns where, for log lines."""


class LocalAlertLedger(AlertLedger):
    """`alerted.json` and `failed_checks.jsonl` in `directory` (default: `alerts/` in the data directory)."""

    directory: str | None = None

    def folder(self) -> Path:
        return Path(self.directory) if self.directory else settings.data_dir() / "alerts"

    def alerted(self) -> set[str]:
        path = self.folder() / ALERTED_NAME
        return set(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else set()

    def record_alerted(self, identities: set[str]) -> None:
        path = self.folder() / ALERTED_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        # A sensor killed mid-write must not leave a ledger that cannot be read.
        staging = path.with_suffix(".tmp")
        staging.write_text(_alerted_json(identities), encoding="utf-8")
        os.replace(staging, path)

    def append(self, failures: list[FailedCheck]) -> str:
        path = self.folder() / f"{FAILED_CHECKS_NAME}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(_json_lines(failures))
        return str(path)


class S3AlertLedger(AlertLedger):
    """`s3://<bucket>/<prefix>/alerted.json`, and each batch of alerts as its own object under
    `<prefix>/failed_checks/` (S3 cannot append); every object encrypted like the lake's."""

    s3: S3Resource
    bucket: str
    prefix: str = "_alerts"
    kms_key_id: str | None = None
    _client: Any = PrivateAttr(default=None)

    def client(self) -> Any:
        if self._client is None:
            self._client = self.s3.get_client()
        return self._client

    def key(self, name: str) -> str:
        return f"{self.prefix.strip('/')}/{name}"

    def alerted(self) -> set[str]:
        try:
            response = self.client().get_object(Bucket=self.bucket, Key=self.key(ALERTED_NAME))
        except ClientError as error:
            if is_not_found(error):
                return set()
            raise
        return set(json.loads(response["Body"].read()))

    def record_alerted(self, identities: set[str]) -> None:
        self._put(self.key(ALERTED_NAME), _alerted_json(identities), "application/json")

    def append(self, failures: list[FailedCheck]) -> str:
        # Named by time first, so a listing of the prefix reads in the order the alerts were sent.
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        key = self.key(f"{FAILED_CHECKS_NAME}/{stamp}-{uuid.uuid4().hex}.jsonl")
        self._put(key, _json_lines(failures), "application/x-ndjson")
        return f"s3://{self.bucket}/{key}"

    def _put(self, key: str, body: str, content_type: str) -> None:
        self.client().put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body.encode(),
            ContentType=content_type,
            **encryption_arguments(self.kms_key_id),
        )
