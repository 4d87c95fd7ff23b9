"""The aws target's lake: the local lake's keys in a bucket, KMS-encrypted, MD5 kept in metadata."""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from dagster_aws.s3 import S3Resource
from pydantic import PrivateAttr

from banking_dw.landing.resources import READ_CHUNK_BYTES, LakeResource, LandedObject
from banking_dw.layout import LAKE_PREFIX

# S3 keeps user metadata as `x-amz-meta-<name>`; boto3 returns it lower-cased without the prefix.
MD5_METADATA = "md5"
NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
# A conditional PUT lost: another run created or renewed the lock first.
CONDITION_FAILED_CODES = frozenset({"PreconditionFailed", "ConditionalRequestConflict"})
LOCKS_PREFIX = "_locks"


def is_not_found(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in NOT_FOUND_CODES


def encryption_arguments(kms_key_id: str) -> dict[str, str]:
    """Every object under the customer-managed key: the bucket's policy refuses any other upload."""
    return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id}


class S3Lake(LakeResource):
    """Objects at `s3://<bucket>/<prefix>/<table>/dt=YYYY-MM-DD/<table>.csv`.

    Keys are the lake's keys (`banking_dw.layout`), whose data prefix is
    re-rooted at `prefix`, so environments can share a bucket under different prefixes; keys
    outside the data prefix (rejected files) stay as they are.
    """

    s3: S3Resource
    bucket: str
    kms_key_id: str
    prefix: str = LAKE_PREFIX
    lock_timeout_seconds: float = 600.0
    # A publisher holds the lock for this long unless it renews it (before each object it writes),
    # so a killed run's lock lapses by itself and the next run takes it over: no one frees it by hand.
    lock_lease_seconds: float = 300.0
    lock_poll_seconds: float = 1.0
    _client: Any = PrivateAttr(default=None)
    _lock_etag: str | None = PrivateAttr(default=None)

    def client(self) -> Any:
        """One S3 client per resource instance: building one costs a fraction of a second."""
        if self._client is None:
            self._client = self.s3.get_client()
        return self._client

    def bucket_key(self, key: str) -> str:
        logical = LAKE_PREFIX
        if key == logical or key.startswith(f"{logical}/"):
            return self.prefix.strip("/") + key[len(logical) :]
        return key

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self.bucket_key(key)}"

    def lock_key(self) -> str:
        """The publishers' lock of this environment's lake, outside its data prefix."""
        return f"{LOCKS_PREFIX}/{self.prefix.strip('/')}/publish.lock"

    @contextmanager
    def publishing(self, log: Callable[[str], None]) -> Iterator[object]:
        """Publishers take turns: the lock is an object only one conditional PUT can create or take
        over, held as a lease the holder renews while it writes."""
        started, said = time.monotonic(), False
        while not self._take_lock():
            waited = time.monotonic() - started
            if waited >= self.lock_timeout_seconds:
                raise TimeoutError(
                    f"gave up after {waited:.0f}s waiting to publish to the lake: s3://{self.bucket}/{self.lock_key()}"
                    f" is held by {self._lock_holder()}"
                )
            if not said:
                log(f"waiting to publish to the lake: held by {self._lock_holder()}")
                said = True
            time.sleep(self.lock_poll_seconds)
        try:
            yield self.lock_key()
        finally:
            self.client().delete_object(Bucket=self.bucket, Key=self.lock_key())
            self._lock_etag = None

    def still_publishing(self) -> None:
        """Renew the lease; fail if another run took the lock over (ours lapsed)."""
        if self._lock_etag is None:
            return
        try:
            self._lock_etag = self._put_lease(IfMatch=self._lock_etag)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in CONDITION_FAILED_CODES:
                raise TimeoutError(f"lost the lake's publish lock to another run: {self._lock_holder()}") from None
            raise

    def _put_lease(self, **condition: str) -> str:
        lease = {
            "holder": f"{socket.gethostname()} pid {os.getpid()}",
            "expires": time.time() + self.lock_lease_seconds,
        }
        response = self.client().put_object(
            Bucket=self.bucket, Key=self.lock_key(), Body=json.dumps(lease).encode(), **condition, **self._encryption()
        )
        return response["ETag"]

    def _take_lock(self) -> bool:
        try:
            self._lock_etag = self._put_lease(IfNoneMatch="*")
            return True
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in CONDITION_FAILED_CODES:
                raise
        try:
            current = self.client().get_object(Bucket=self.bucket, Key=self.lock_key())
        except ClientError as error:
            if is_not_found(error):
                return False  # released in between: try again
            raise
        if json.loads(current["Body"].read()).get("expires", 0) > time.time():
            return False
        try:  # a lapsed lease: take it over, unless another waiter did first
            self._lock_etag = self._put_lease(IfMatch=current["ETag"])
            return True
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in CONDITION_FAILED_CODES:
                return False
            raise

    def _lock_holder(self) -> str:
        try:
            lease = json.loads(self.client().get_object(Bucket=self.bucket, Key=self.lock_key())["Body"].read())
        except ClientError:
            return "a run that has just let go"
        return f"{lease.get('holder')} until {time.strftime('%H:%M:%S', time.gmtime(lease.get('expires', 0)))} UTC"

    def put(self, source: Path, key: str, md5: str) -> LandedObject:
        """A PUT replaces an object whole, so readers see the previous object or the new one."""
        size = source.stat().st_size
        self.client().upload_file(
            str(source),
            self.bucket,
            self.bucket_key(key),
            # A multipart upload's ETag is not an MD5 (nor is any ETag under SSE-KMS): keep our own.
            ExtraArgs={"Metadata": {MD5_METADATA: md5}, "ContentType": "text/csv", **self._encryption()},
        )
        landed = self.stat(key)
        if landed is None or (landed.size_bytes, landed.md5) != (size, md5):
            raise OSError(f"{self.uri(key)} does not hold {source} after the upload ({landed})")
        return landed

    def put_bytes(self, data: bytes, key: str) -> None:
        self.client().put_object(
            Bucket=self.bucket,
            Key=self.bucket_key(key),
            Body=data,
            ContentType="application/json",
            **self._encryption(),
        )

    def delete(self, key: str) -> None:
        self.client().delete_object(Bucket=self.bucket, Key=self.bucket_key(key))

    def remove_unfinished_writes(self, prefix: str) -> int:
        """Abort the multipart uploads started under `prefix` and never completed: S3 keeps their
        parts, unlisted, until aborted."""
        bucket_prefix, aborted = self.bucket_key(prefix), 0
        pages = self.client().get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket, Prefix=bucket_prefix)
        for page in pages:
            for upload in page.get("Uploads", []):
                self.client().abort_multipart_upload(Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"])
                aborted += 1
        return aborted

    def forget_previous_versions(self, key: str) -> int:
        """Delete every noncurrent version (and delete marker) of the key: the lake's bucket is
        versioned (deploy/aws), so a replaced object would otherwise stay readable until its
        lifecycle rule expires it."""
        bucket_key, deleted = self.bucket_key(key), 0
        pages = self.client().get_paginator("list_object_versions").paginate(Bucket=self.bucket, Prefix=bucket_key)
        for page in pages:
            for version in page.get("Versions", []) + page.get("DeleteMarkers", []):
                if version["Key"] == bucket_key and not version.get("IsLatest"):
                    self.client().delete_object(Bucket=self.bucket, Key=bucket_key, VersionId=version["VersionId"])
                    deleted += 1
        return deleted

    def _encryption(self) -> dict[str, str]:
        return encryption_arguments(self.kms_key_id)

    def sizes(self, prefix: str) -> dict[str, int]:
        bucket_prefix = self.bucket_key(prefix)
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=bucket_prefix)
        # Keys back in the lake's logical layout, whatever prefix the bucket uses.
        return {
            prefix + item["Key"][len(bucket_prefix) :]: int(item["Size"])
            for page in pages
            for item in page.get("Contents", [])
        }

    def stat(self, key: str) -> LandedObject | None:
        """Size and MD5 as S3 has them (`md5` is empty for an object not landed by this lake)."""
        try:
            head: dict[str, Any] = self.client().head_object(Bucket=self.bucket, Key=self.bucket_key(key))
        except ClientError as error:
            if is_not_found(error):
                return None
            raise
        return LandedObject(
            key=key,
            size_bytes=int(head["ContentLength"]),
            md5=head.get("Metadata", {}).get(MD5_METADATA, ""),
            uri=self.uri(key),
        )

    def iter_bytes(self, key: str) -> Iterator[bytes]:
        yield from self._get(key)["Body"].iter_chunks(READ_CHUNK_BYTES)

    def read_head(self, key: str, size: int) -> bytes:
        return self._get(key, Range=f"bytes=0-{size - 1}")["Body"].read()

    def _get(self, key: str, **arguments: str) -> dict[str, Any]:
        try:
            return self.client().get_object(Bucket=self.bucket, Key=self.bucket_key(key), **arguments)
        except ClientError as error:
            if is_not_found(error):
                raise FileNotFoundError(self.uri(key)) from error
            raise
