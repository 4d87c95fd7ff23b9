"""Where failed-check alerts go: the log and a JSON-lines file always; a webhook when configured.

A failure is alerted once per (asset, check, partition) until that check passes again there, so a
retried or re-run partition that fails the same way does not page anyone twice.
"""

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

    def slack_payload(self) -> dict[str, object]:
        """Block Kit for Slack; `text` stays as the fallback for notifications and other webhooks."""
        fields = [
            ("Asset", self.asset_key),
            ("Check", self.check_name),
            ("Partition", self.partition or "-"),
            ("Severity", self.severity),
            ("Failing rows", "-" if self.failed_row_count is None else str(self.failed_row_count)),
            ("Run", f"<{self.run_url}|{self.run_id[:8]}>" if self.run_url else self.run_id),
        ]
        blocks: list[dict[str, object]] = [
            {"type": "header", "text": {"type": "plain_text", "text": f"{self.severity}: {self.check_name} failed"}},
            {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in fields]},
        ]
        if self.description:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": self.description[:2900]}})
        if self.evidence:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"```{self.evidence[:2900]}```"}})
        return {"text": self.message(), "blocks": blocks, "check": asdict(self)}


def check_identity(asset_key: str, check_name: str, partition: str | None) -> str:
    return f"{asset_key}|{check_name}|{partition or ''}"


class AlertSinks(dg.ConfigurableResource):
    """Delivers each new failed check to every configured sink.

    The webhook URL is a secret, so it is read from the environment when an alert is sent,
    never stored in config.
    """

    jsonl_path: str | None = None

    def alert_file(self) -> Path:
        return Path(self.jsonl_path) if self.jsonl_path else settings.data_dir() / "alerts" / "failed_checks.jsonl"

    def ledger_file(self) -> Path:
        return self.alert_file().with_name("alerted.json")

    def send(self, failures: list[FailedCheck], log, passed: list[str] = ()) -> list[FailedCheck]:
        """Alert the failures not alerted yet; forget the checks that `passed` (identities).

        Returns the failures that were sent.
        """
        alerted = self._read_ledger()
        alerted.difference_update(passed)
        new = [f for f in failures if f.dedupe_key not in alerted]
        if new:
            path = self.alert_file()
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as handle:
                for failure in new:
                    log.warning(failure.message())
                    handle.write(json.dumps(asdict(failure), sort_keys=True) + "\n")
            self._post_to_webhook(new, log)
        alerted.update(f.dedupe_key for f in new)
        self._write_ledger(alerted)
        return new

    def _post_to_webhook(self, failures: list[FailedCheck], log) -> None:
        webhook = os.environ.get(WEBHOOK_ENV)
        if not webhook:
            return
        for failure in failures:
            # One unreachable webhook must not cost the other alerts; they are on file anyway.
            try:
                _post_json(webhook, failure.slack_payload())
            except OSError as error:
                log.error(f"webhook {WEBHOOK_ENV} failed for {failure.asset_key} {failure.check_name}: {error}")

    def _read_ledger(self) -> set[str]:
        path = self.ledger_file()
        return set(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else set()

    def _write_ledger(self, alerted: set[str]) -> None:
        path = self.ledger_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = path.with_suffix(".tmp")
        staging.write_text(json.dumps(sorted(alerted), indent=1), encoding="utf-8")
        os.replace(staging, path)


def _post_json(url: str, payload: dict[str, object]) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
        response.read()
