"""The aws target's alert ledger: objects in the lake's bucket, outside its data prefix.

Kept apart from the ledger's interface so that the local target never loads boto3 and dagster-aws.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError
from dagster_aws.s3 import S3Resource
from pydantic import PrivateAttr

from banking_dw.alerts.ledger import ALERTED, FAILED_CHECKS, AlertLedger, FailedCheck, alerted_json, json_lines
from banking_dw.landing.s3 import encryption_arguments, is_not_found


class S3AlertLedger(AlertLedger):
    """`s3://<bucket>/<prefix>/alerted.json`, and each batch of alerts as its own object under
    `<prefix>/failed_checks/` (S3 cannot append); every object encrypted like the lake's."""

    s3: S3Resource
    bucket: str
    kms_key_id: str
    prefix: str = "_alerts"
    _client: Any = PrivateAttr(default=None)

    def client(self) -> Any:
        if self._client is None:
            self._client = self.s3.get_client()
        return self._client

    def key(self, name: str) -> str:
        return f"{self.prefix.strip('/')}/{name}"

    def alerted(self) -> set[str]:
        try:
            response = self.client().get_object(Bucket=self.bucket, Key=self.key(ALERTED))
        except ClientError as error:
            if is_not_found(error):
                return set()
            raise
        return set(json.loads(response["Body"].read()))

    def record_alerted(self, identities: set[str]) -> None:
        self._put(self.key(ALERTED), alerted_json(identities), "application/json")

    def append(self, failures: list[FailedCheck]) -> str:
        # Named by time first, so a listing of the prefix reads in the order the alerts were sent.
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        key = self.key(f"{FAILED_CHECKS}/{stamp}-{uuid.uuid4().hex}.jsonl")
        self._put(key, json_lines(failures), "application/x-ndjson")
        return f"s3://{self.bucket}/{key}"

    def _put(self, key: str, body: str, content_type: str) -> None:
        self.client().put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body.encode(),
            ContentType=content_type,
            **encryption_arguments(self.kms_key_id),
        )
