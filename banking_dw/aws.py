"""The aws target's lake and catalog, configured from the environment when asked (never at import).

Standard AWS variables reach boto3 as usual: AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_<SERVICE>),
AWS_REGION / AWS_DEFAULT_REGION, AWS_MAX_ATTEMPTS and the credential chain (environment, profile,
instance or task role). No credential passes through Dagster config, so none shows in the UI.
The deploy/aws CloudFormation stack's outputs give every BANKING_DW_* value below.
"""

from __future__ import annotations

import os

from dagster_aws.s3 import S3Resource

from banking_dw.alerts.ledger import S3AlertLedger
from banking_dw.alerts.sinks import AlertSinks
from banking_dw.bronze.glue import GlueCatalog
from banking_dw.landing.s3 import S3Lake


class MissingSetting(ValueError):
    """A required environment variable is unset; the message is one line naming it."""


def required(name: str, purpose: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise MissingSetting(f"{name} is not set: {purpose}")
    return value


def optional(name: str) -> str | None:
    return os.environ.get(name, "").strip() or None


def set_only(**values: object) -> dict[str, object]:
    """The values that are set, so an unset variable leaves the resource's own default."""
    return {name: value for name, value in values.items() if value is not None}


def aws_resources() -> dict[str, S3Lake | GlueCatalog | AlertSinks]:
    """{"lake": S3Lake, "catalog": GlueCatalog, "alert_sinks": AlertSinks} from the environment as it is now."""
    bucket = required("BANKING_DW_S3_BUCKET", "the S3 bucket the lake lands in (deploy/aws output BucketName)")
    # boto3 itself reads only AWS_DEFAULT_REGION; AWS_REGION is what most AWS runtimes set.
    region = optional("AWS_REGION") or optional("AWS_DEFAULT_REGION")
    # dagster-aws passes its own retry count to boto3, so AWS_MAX_ATTEMPTS must be handed on.
    attempts = optional("AWS_MAX_ATTEMPTS")
    boto3_settings = set_only(region_name=region, max_attempts=int(attempts) if attempts else None)
    lake = S3Lake(
        s3=S3Resource(**boto3_settings),
        bucket=bucket,
        **set_only(prefix=optional("BANKING_DW_S3_PREFIX"), kms_key_id=optional("BANKING_DW_S3_KMS_KEY_ID")),
    )
    timeout = optional("BANKING_DW_GLUE_CRAWLER_TIMEOUT_SECONDS")
    catalog = GlueCatalog(
        lake=lake,
        **boto3_settings,
        **set_only(
            database=optional("BANKING_DW_GLUE_DATABASE"),
            crawler_name=optional("BANKING_DW_GLUE_CRAWLER"),
            crawler_role_arn=optional("BANKING_DW_GLUE_CRAWLER_ROLE_ARN"),
            crawl_timeout_seconds=float(timeout) if timeout else None,
        ),
    )
    # The alert ledger lives beside the lake's prefix, so the crawler never reads it.
    alert_ledger = S3AlertLedger(s3=lake.s3, bucket=lake.bucket, kms_key_id=lake.kms_key_id)
    return {"lake": lake, "catalog": catalog, "alert_sinks": AlertSinks(ledger=alert_ledger)}
