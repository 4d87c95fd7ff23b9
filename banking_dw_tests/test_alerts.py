"""Failed checks of a finished run reach the sinks once, saying what broke and where to look."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import boto3
import dagster as dg
import pytest

from banking_dw.alerts.evidence import dbt_test_evidence, failed_row_count, failing_rows_evidence
from banking_dw.alerts.local_ledger import LocalAlertLedger
from banking_dw.alerts.s3_ledger import S3AlertLedger
from banking_dw.alerts.sensors import UI_BASE_URL_ENV, alert_on_failed_checks_after_success, check_evaluations_of_run
from banking_dw.alerts.sinks import WEBHOOK_ENV, AlertSinks, FailedCheck, escape_for_slack
from banking_dw.dbt.project import dbt_project
from banking_dw.targets.aws import aws_resources
from banking_dw_tests.support import Webhook, running_webhook, set_required_aws_settings, use_moto

# Stands for the secret part of a real webhook URL: no log line may show it.
TOKEN = "T0KEN5ecret"


@dg.asset(
    check_specs=[
        dg.AssetCheckSpec("always_fine", asset="ledger"),
        dg.AssetCheckSpec("totals_match", asset="ledger"),
    ]
)
def ledger():
    yield dg.Output(1)
    yield dg.AssetCheckResult(check_name="always_fine", passed=True)
    yield dg.AssetCheckResult(
        check_name="totals_match",
        passed=False,
        description="ledger: 3 rows off",
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"failing_rows": 3, "failing_rows_file": "/lake/ledger.csv"},
    )


class Log:
    def __init__(self):
        self.warnings, self.errors = [], []

    def warning(self, message):
        self.warnings.append(message)

    def error(self, message):
        self.errors.append(message)


def _failure(check="matches_contract", partition="2024-01-01", asset="raw/fact_transactions") -> FailedCheck:
    return FailedCheck(
        "run-1", "job", asset, check, "ERROR", partition, "broken", 2, "select 1", "http://ui/runs/run-1"
    )


def _sensor_context(instance, result, sinks):
    return dg.build_run_status_sensor_context(
        sensor_name=alert_on_failed_checks_after_success.name,
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(result.run_id),
        dagster_event=result.get_run_success_event(),
        resources={"alert_sinks": sinks},
    )


def test_a_failed_check_is_alerted_with_count_evidence_and_run_link(tmp_path, monkeypatch):
    monkeypatch.setenv(UI_BASE_URL_ENV, "http://dagster.example:3000/")
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([ledger], instance=instance)
    run = instance.get_run_by_id(result.run_id)

    failures, passed = check_evaluations_of_run(instance, run)
    assert passed == ["ledger|always_fine|"]
    [failure] = failures
    assert (failure.asset_key, failure.check_name, failure.severity) == ("ledger", "totals_match", "WARN")
    assert failure.failed_row_count == 3
    assert failure.evidence == "/lake/ledger.csv"
    assert failure.run_url == f"http://dagster.example:3000/runs/{result.run_id}"
    for text in ("ledger: 3 rows off", "3 failing row(s)", "/lake/ledger.csv", failure.run_url):
        assert text in failure.message()

    sinks = AlertSinks(ledger=LocalAlertLedger(directory=str(tmp_path)))
    # A resource with a nested resource is opened (and closed) with its context, as the daemon does.
    with _sensor_context(instance, result, sinks) as context:
        alert_on_failed_checks_after_success(context)
    [line] = (tmp_path / "failed_checks.jsonl").read_text().splitlines()
    alert = json.loads(line)
    assert (alert["check_name"], alert["run_id"], alert["failed_row_count"]) == ("totals_match", result.run_id, 3)


def test_the_same_failure_on_the_same_partition_is_alerted_once_until_it_passes(tmp_path):
    sinks, log = AlertSinks(ledger=LocalAlertLedger(directory=str(tmp_path))), Log()
    assert len(sinks.send([_failure()], log)) == 1
    assert sinks.send([_failure()], log) == []  # a retry failing the same way
    assert len(sinks.send([_failure(partition="2024-01-02")], log)) == 1  # another day is news
    sinks.send([], log, passed=[_failure().dedupe_key])  # fixed...
    assert len(sinks.send([_failure()], log)) == 1  # ...and broken again
    assert len((tmp_path / "failed_checks.jsonl").read_text().splitlines()) == 3
    assert json.loads((tmp_path / "alerted.json").read_text()) == [
        f.dedupe_key for f in (_failure(), _failure(partition="2024-01-02"))
    ]


def test_the_local_ledger_defaults_to_the_data_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("BANKING_DW_DATA_DIR", str(tmp_path))
    AlertSinks(ledger=LocalAlertLedger()).send([_failure()], Log())
    assert sorted(p.name for p in (tmp_path / "alerts").iterdir()) == ["alerted.json", "failed_checks.jsonl"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(autouse=True)
def no_webhook(monkeypatch: pytest.MonkeyPatch) -> None:
    """A webhook set in the developer's shell must not receive the tests' alerts."""
    monkeypatch.delenv(WEBHOOK_ENV, raising=False)


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    with running_webhook(f"/services/T0/B0/{TOKEN}") as hook:
        yield hook


def _texts(payload: dict) -> list[dict]:
    """Every text object of a Slack payload's blocks."""
    found = []
    for block in payload["blocks"]:
        found += [block["text"]] if "text" in block else []
        found += block.get("fields", [])
    return found


def test_the_webhook_receives_slack_blocks_with_a_text_fallback(tmp_path, monkeypatch, webhook):
    monkeypatch.setenv(WEBHOOK_ENV, webhook.url)
    AlertSinks(ledger=LocalAlertLedger(directory=str(tmp_path))).send([_failure()], Log())
    [payload] = webhook.received
    assert "matches\uff3fcontract" in payload["text"] and "2 failing row(s)" in payload["text"]
    assert payload["blocks"][0]["type"] == "header"
    fields = " ".join(f["text"] for f in payload["blocks"][1]["fields"])
    for text in ("raw/fact_transactions", "2024-01-01", "ERROR", "Failing rows\n2", "http://ui/runs/run-1"):
        assert text in fields
    assert any("select 1" in b.get("text", {}).get("text", "") for b in payload["blocks"][2:])


HOSTILE = "<!channel> *bold* _x_ ~gone~ `code` & ask <@U123> > quoted"


def test_values_reach_slack_as_plain_text_and_only_the_run_link_is_mrkdwn(tmp_path, monkeypatch, webhook):
    """Slack parses mentions, links and formatting in mrkdwn and has no escape character for
    `*_~` and backticks: every value goes in plain-text objects, which Slack shows as written; the
    fallback text is sent with mrkdwn off and escaped all the same; the alert record stays in the
    ledger, out of the message."""
    monkeypatch.setenv(WEBHOOK_ENV, webhook.url)
    failure = replace(_failure(partition="<!here> *p*"), description=HOSTILE, evidence="select `a` > b")
    AlertSinks(ledger=LocalAlertLedger(directory=str(tmp_path))).send([failure], Log())
    [payload] = webhook.received
    assert set(payload) == {"text", "mrkdwn", "blocks"} and payload["mrkdwn"] is False
    mrkdwn = [t["text"] for t in _texts(payload) if t["type"] == "mrkdwn"]
    assert mrkdwn == ["Run\n<http://ui/runs/run-1|run-1>"]
    plain = [t for t in _texts(payload) if t["type"] == "plain_text"]
    assert all(t["emoji"] is False for t in plain)
    assert {HOSTILE, "select `a` > b"} <= {t["text"] for t in plain}
    assert "Partition\n<!here> *p*" in {t["text"] for t in plain}
    for control in ("<!channel>", "<@U123>", "<!here>", "*bold*", "_x_", "~gone~", "`code`", "*p*", "> quoted"):
        assert control not in payload["text"], control
    assert "&lt;!channel&gt; \u2217bold\u2217 \uff3fx\uff3f \u223cgone\u223c \u02cbcode\u02cb &amp;" in payload["text"]
    [line] = (tmp_path / "failed_checks.jsonl").read_text().splitlines()
    assert json.loads(line)["description"] == HOSTILE, "the record keeps the data as it was"


def test_the_mrkdwn_escape_covers_every_control_character():
    assert escape_for_slack("*b* _i_ ~s~ `c` <!here> a & b > c") == (
        "\u2217b\u2217 \uff3fi\uff3f \u223cs\u223c \u02cbc\u02cb &lt;!here&gt; a &amp; b &gt; c"
    )


def test_a_cut_slack_text_never_ends_in_half_an_entity():
    assert escape_for_slack("a<b", 3) == "a"
    assert escape_for_slack("a<b", 5) == "a&lt;"
    assert escape_for_slack("a & b", None) == "a &amp; b"


@pytest.mark.parametrize(
    "url_of, problem",
    [
        (lambda hook: f"hooks.slack.com/services/T0/B0/{TOKEN}", "is not an http(s) URL"),
        (lambda hook: f"ftp://hooks.slack.com/services/T0/B0/{TOKEN}", "is not an http(s) URL"),
        (lambda hook: f"http://127.0.0.1:{_free_port()}/services/T0/B0/{TOKEN}", "URLError (ConnectionRefusedError)"),
        (lambda hook: hook.url, "HTTP 500"),
    ],
    ids=["no scheme", "ftp", "closed port", "http 500"],
)
def test_a_bad_webhook_logs_one_line_without_its_url_and_raises_nothing(
    tmp_path, monkeypatch, webhook, url_of: Callable[[Webhook], str], problem: str
):
    webhook.status = 500
    url = url_of(webhook)
    monkeypatch.setenv(WEBHOOK_ENV, url)
    log = Log()
    sent = AlertSinks(ledger=LocalAlertLedger(directory=str(tmp_path))).send([_failure()], log)
    assert sent == [_failure()]
    assert len((tmp_path / "failed_checks.jsonl").read_text().splitlines()) == 1
    [line] = log.errors
    assert WEBHOOK_ENV in line and problem in line and str(tmp_path / "failed_checks.jsonl") in line
    assert "\n" not in line
    for secret in (url, TOKEN, "hooks.slack.com", "127.0.0.1", "/services/"):
        assert secret not in line


def test_an_unreachable_webhook_does_not_lose_alerts(tmp_path, monkeypatch):
    monkeypatch.setenv(WEBHOOK_ENV, f"http://127.0.0.1:{_free_port()}/hook")
    log = Log()
    AlertSinks(ledger=LocalAlertLedger(directory=str(tmp_path))).send(
        [_failure(asset=f"raw/table_{i}") for i in range(2)], log
    )
    assert len((tmp_path / "failed_checks.jsonl").read_text().splitlines()) == 2
    assert len(log.errors) == 2 and all(WEBHOOK_ENV in e for e in log.errors)


@pytest.fixture
def s3_bucket(moto_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh bucket on the moto server, in the environment the aws target reads (as test_aws's)."""
    use_moto(monkeypatch, moto_endpoint, tmp_path)
    monkeypatch.setenv("BANKING_DW_DATA_DIR", str(tmp_path / "data"))
    bucket = f"banking-dw-alerts-{uuid.uuid4().hex[:12]}"
    set_required_aws_settings(monkeypatch, BANKING_DW_S3_BUCKET=bucket, BANKING_DW_S3_KMS_KEY_ID="alias/banking-dw")
    boto3.client("s3", region_name="eu-west-1").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    yield bucket


def _objects(bucket: str, prefix: str) -> dict[str, dict]:
    s3 = boto3.client("s3", region_name="eu-west-1")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {item["Key"]: s3.get_object(Bucket=bucket, Key=item["Key"]) for item in listed}


def _aws_alert_sinks() -> AlertSinks:
    """The aws target's sinks opened as a sensor opens them, their settings read from the environment."""
    with dg.build_resources({"alert_sinks": aws_resources().alert_sinks}) as opened:
        return opened.alert_sinks


def test_the_aws_target_keeps_its_alert_ledger_in_the_bucket_encrypted(s3_bucket, tmp_path):
    sinks = _aws_alert_sinks()
    assert isinstance(sinks, AlertSinks) and isinstance(sinks.ledger, S3AlertLedger)
    log = Log()
    assert len(sinks.send([_failure()], log)) == 1
    assert sinks.send([_failure()], log) == []  # a retry failing the same way
    assert len(sinks.send([_failure(partition="2024-01-02")], log)) == 1
    sinks.send([], log, passed=[_failure().dedupe_key])
    assert len(sinks.send([_failure()], log)) == 1

    objects = _objects(s3_bucket, "_alerts/")
    assert all(
        (o["ServerSideEncryption"], o["SSEKMSKeyId"]) == ("aws:kms", "alias/banking-dw") for o in objects.values()
    )
    alerted = json.loads(objects.pop("_alerts/alerted.json")["Body"].read())
    assert alerted == sorted(f.dedupe_key for f in (_failure(), _failure(partition="2024-01-02")))
    # One object per batch, named so a listing reads in the order they were sent.
    assert len(objects) == 3 and all(k.startswith("_alerts/failed_checks/") and k.endswith(".jsonl") for k in objects)
    partitions = [json.loads(objects[key]["Body"].read())["partition"] for key in sorted(objects)]
    assert partitions == ["2024-01-01", "2024-01-02", "2024-01-01"]
    assert not (tmp_path / "data").exists()  # no local file on the aws target


def test_the_s3_ledger_names_its_object_in_log_lines(s3_bucket, monkeypatch):
    monkeypatch.setenv(WEBHOOK_ENV, "not a url")
    log = Log()
    _aws_alert_sinks().send([_failure()], log)
    [key] = _objects(s3_bucket, "_alerts/failed_checks/")
    [line] = log.errors
    assert line.endswith(f"alerts were written to s3://{s3_bucket}/{key} only")


@pytest.mark.parametrize(
    "metadata, count",
    [
        ({"dagster_dbt/failed_row_count": 7}, 7),
        ({"failing_rows": 2}, 2),
        ({"failures": 1}, 1),
        ({"passed": True}, None),
    ],
)
def test_failed_row_count_comes_from_dbt_or_python_checks(metadata, count):
    assert failed_row_count(metadata) == count


def test_a_dbt_test_points_at_its_stored_failures_or_its_definition(tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "nodes": {
                    "test.banking_dw.stored.1": {
                        "name": "stored",
                        "relation_name": '"dev_audit"."stored"',
                        "original_file_path": "models/gold/_gold__models.yml",
                    },
                    "test.banking_dw.singular.2": {
                        "name": "singular",
                        "relation_name": None,
                        "original_file_path": "tests/gold/singular.sql",
                    },
                }
            }
        )
    )
    assert dbt_test_evidence("test.banking_dw.stored.1", manifest) == 'select * from "dev_audit"."stored"'
    assert "dbt_project/tests/gold/singular.sql" in dbt_test_evidence("test.banking_dw.singular.2", manifest)
    assert dbt_test_evidence("test.banking_dw.gone.3", manifest) is None
    assert failing_rows_evidence({"failing_rows_query": "select 2"}) == "select 2"


def test_a_dbt_test_is_looked_up_in_the_dbt_projects_own_manifest():
    manifest = json.loads(dbt_project().manifest_path.read_text())
    unique_id, node = next((k, n) for k, n in manifest["nodes"].items() if n["resource_type"] == "test")
    assert node["name"] in failing_rows_evidence({"unique_id": unique_id})
