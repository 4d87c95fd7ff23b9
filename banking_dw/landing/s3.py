"""The lake on S3: the same keys as the local lake, in a bucket, encrypted, MD5 kept in metadata."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from dagster_aws.s3 import S3Resource
from pydantic import PrivateAttr

from banking_dw import settings
from banking_dw.landing.resources import LakeResource, LandedObject, file_md5

# S3 keeps user metadata as `x-amz-meta-<name>`; boto3 returns it lower-cased without the prefix.
MD5_METADATA = "md5"
NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


def is_not_found(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in NOT_FOUND_CODES


def encryption_arguments(kms_key_id: str | None) -> dict[str, str]:
    """SSE-S3 unless a KMS key is configured: objects are never stored unencrypted."""
    if kms_key_id:
        return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id}
    return {"ServerSideEncryption": "AES256"}


class S3Lake(LakeResource):
    """Objects at `s3://<bucket>/<prefix>/<table>/dt=YYYY-MM-DD/<table>.csv`.

    Keys are the lake's keys (`banking_dw.landing.resources.object_key`), whose data prefix is
    re-rooted at `prefix`, so environments can share a bucket under different prefixes; keys
    outside the data prefix (rejected files) stay as they are.
    """

    s3: S3Resource
    bucket: str
    prefix: str = settings.LAKE_PREFIX
    kms_key_id: str | None = None
    _client: Any = PrivateAttr(default=None)

    def client(self) -> Any:
        """One S3 client per resource instance: building one costs a fraction of a second."""
        if self._client is None:
            self._client = self.s3.get_client()
        return self._client

    def bucket_key(self, key: str) -> str:
        logical = settings.LAKE_PREFIX
        if key == logical or key.startswith(f"{logical}/"):
            return self.prefix.strip("/") + key[len(logical) :]
        return key

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self.bucket_key(key)}"

    def put(self, source: Path, key: str) -> LandedObject:
        """Upload unless the object already holds these bytes; a PUT replaces an object whole,
        so readers see the previous object or the new one, never a mix."""
        md5 = file_md5(source)
        size = source.stat().st_size
        current = self.stat(key)
        if current is not None and (current.size_bytes, current.md5) == (size, md5):
            return current
        self.client().upload_file(
            str(source),
            self.bucket,
            self.bucket_key(key),
            # A multipart upload's ETag is not an MD5 (nor is any ETag under SSE-KMS): keep our own.
            ExtraArgs={
                "Metadata": {MD5_METADATA: md5},
                "ContentType": "text/csv",
                **encryption_arguments(self.kms_key_id),
            },
        )
        landed = self.stat(key)
        if landed is None or (landed.size_bytes, landed.md5) != (size, md5):
            raise OSError(f"{self.uri(key)} does not hold {source} after the upload ({landed})")
        return landed

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

    def read_bytes(self, key: str) -> bytes:
        try:
            response = self.client().get_object(Bucket=self.bucket, Key=self.bucket_key(key))
        except ClientError as error:
            if is_not_found(error):
                raise FileNotFoundError(self.uri(key)) from error
            raise
        return response["Body"].read()
