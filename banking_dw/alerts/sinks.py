"""Where failed-check alerts go: the log and a JSON-lines file always; a webhook when configured."""

from __future__ import annotations

import json
import os
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

import dagster as dg

from banking_dw import settings

WEBHOOK_ENV = "BANKING_DW_ALERT_WEBHOOK_URL"
WEBHOOK_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class FailedCheck:
    run_id: str
    job_name: str
    asset_key: str
    check_name: str
    severity: str
    partition: str | None
    description: str | None

    def message(self) -> str:
        where = f" [{self.partition}]" if self.partition else ""
        return (
            f"{self.severity} check failed: {self.asset_key}{where} {self.check_name}"
            f" (run {self.run_id}, job {self.job_name})"
            + (f": {self.description}" if self.description else "")
        )


class AlertSinks(dg.ConfigurableResource):
    """Delivers each failed check to every configured sink.

    The webhook URL is a secret, so it is read from the environment when an alert is sent,
    never stored in config; its payload has a `text` field, which Slack incoming webhooks accept.
    """

    jsonl_path: str | None = None

    def alert_file(self) -> Path:
        return Path(self.jsonl_path) if self.jsonl_path else settings.data_dir() / "alerts" / "failed_checks.jsonl"

    def send(self, failures: list[FailedCheck], log) -> None:
        if not failures:
            return
        path = self.alert_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            for failure in failures:
                log.warning(failure.message())
                handle.write(json.dumps(asdict(failure), sort_keys=True) + "\n")
        webhook = os.environ.get(WEBHOOK_ENV)
        if webhook:
            for failure in failures:
                # One unreachable webhook must not cost the other alerts; they are on file anyway.
                try:
                    _post_json(webhook, {"text": failure.message(), "check": asdict(failure)})
                except OSError as error:
                    log.error(f"webhook {WEBHOOK_ENV} failed for {failure.asset_key} {failure.check_name}: {error}")


def _post_json(url: str, payload: dict[str, object]) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
        response.read()
