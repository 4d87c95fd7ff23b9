"""The aws target: the lake in S3, the catalog in Glue, the warehouse in Redshift, alerts in the bucket.

Every setting comes from the environment through Dagster's EnvVar, resolved where a resource is
opened (a run, a sensor), so no value is written into the code location's config and no secret
shows in the UI. The required ones are checked when the set is built, at load, and the unset ones
named in one line; an optional one that is unset leaves its default. The deploy/aws stack's
outputs give every value.

Standard AWS variables reach boto3 as usual: AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_<SERVICE>),
AWS_REGION / AWS_DEFAULT_REGION, AWS_MAX_ATTEMPTS and the credential chain (environment, profile,
instance or task role); no credential passes through Dagster config.
"""

from __future__ import annotations

import os

import dagster as dg
from dagster_aws.s3 import S3Resource

from banking_dw.alerts.s3_ledger import S3AlertLedger
from banking_dw.alerts.sinks import AlertSinks
from banking_dw.bronze.glue import GlueCatalog
from banking_dw.landing.s3 import S3Lake
from banking_dw.raw_files import RawFiles
from banking_dw.redshift_warehouse import RedshiftWarehouse
from banking_dw.targets.resource_set import TargetResources

REQUIRED = {
    "BANKING_DW_S3_BUCKET": "the bucket the lake lands in",
    "BANKING_DW_S3_KMS_KEY_ID": "the KMS key every object is encrypted with (the bucket refuses any other)",
    "BANKING_DW_REDSHIFT_IAM_ROLE_ARN": "the role Redshift Spectrum reads the catalog and the lake with",
    "REDSHIFT_HOST": "the Redshift endpoint",
    "REDSHIFT_PORT": "the Redshift port",
    "REDSHIFT_USER": "the user dbt builds as",
    "REDSHIFT_PASSWORD": "that user's password",
    "REDSHIFT_DATABASE": "the Redshift database",
    "BANKING_DW_MASKING_KEY": "the secret analysts' pseudonyms are keyed with (at least 32 characters)",
}


class MissingSetting(ValueError):
    """Required environment variables are unset; the message is one line naming each."""


def require_settings() -> None:
    missing = [name for name in REQUIRED if not _is_set(name)]
    if missing:
        named = "; ".join(f"{name} is not set: {REQUIRED[name]}" for name in missing)
        raise MissingSetting(f"{named} (the deploy/aws stack's outputs give each)")


def _is_set(name: str) -> bool:
    return bool(os.environ.get(name, "").strip())


def _from_environment(**variables: str) -> dict[str, dg.EnvVar]:
    """The fields whose variable is set, as EnvVars; the others keep the resource's default."""
    return {field: dg.EnvVar(name) for field, name in variables.items() if _is_set(name)}


def _boto3_settings() -> dict[str, object]:
    # boto3 itself reads only AWS_DEFAULT_REGION; AWS_REGION is what most AWS runtimes set.
    settings = _from_environment(region_name="AWS_DEFAULT_REGION") | _from_environment(region_name="AWS_REGION")
    # dagster-aws passes its own retry count to boto3, so AWS_MAX_ATTEMPTS must be handed on.
    return settings | ({"max_attempts": dg.EnvVar.int("AWS_MAX_ATTEMPTS")} if _is_set("AWS_MAX_ATTEMPTS") else {})


def aws_resources() -> TargetResources:
    require_settings()
    bucket, kms_key_id = dg.EnvVar("BANKING_DW_S3_BUCKET"), dg.EnvVar("BANKING_DW_S3_KMS_KEY_ID")
    lake = S3Lake(
        s3=S3Resource(**_boto3_settings()),
        bucket=bucket,
        kms_key_id=kms_key_id,
        **_from_environment(prefix="BANKING_DW_S3_PREFIX"),
    )
    # A float, which an EnvVar cannot carry: read now.
    timeout = os.environ.get("BANKING_DW_GLUE_CRAWLER_TIMEOUT_SECONDS", "").strip()
    catalog = GlueCatalog(
        lake=lake,
        **_boto3_settings(),
        **_from_environment(
            database="BANKING_DW_GLUE_DATABASE",
            crawler_name="BANKING_DW_GLUE_CRAWLER",
            crawler_role_arn="BANKING_DW_GLUE_CRAWLER_ROLE_ARN",
            crawler_security_configuration="BANKING_DW_GLUE_SECURITY_CONFIGURATION",
        ),
        **({"crawl_timeout_seconds": float(timeout)} if timeout else {}),
    )
    warehouse = RedshiftWarehouse(
        host=dg.EnvVar("REDSHIFT_HOST"),
        port=dg.EnvVar.int("REDSHIFT_PORT"),
        user=dg.EnvVar("REDSHIFT_USER"),
        password=dg.EnvVar("REDSHIFT_PASSWORD"),
        database=dg.EnvVar("REDSHIFT_DATABASE"),
        spectrum_role_arn=dg.EnvVar("BANKING_DW_REDSHIFT_IAM_ROLE_ARN"),
        spectrum_glue_database=catalog.database,
        masking_key=dg.EnvVar("BANKING_DW_MASKING_KEY"),
    )
    return TargetResources(
        # The bank's files are written where the Dagster process runs, then landed in the bucket.
        raw_files=RawFiles(),
        lake=lake,
        catalog=catalog,
        warehouse=warehouse,
        # Beside the lake's data prefix, so the crawler never reads the ledger.
        alert_sinks=AlertSinks(ledger=S3AlertLedger(s3=lake.s3, bucket=bucket, kms_key_id=kms_key_id)),
        # Each step in its own process: a failing step cannot take the run worker down with it.
        executor=dg.multiprocess_executor,
    )
