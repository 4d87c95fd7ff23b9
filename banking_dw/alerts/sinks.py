"""Where failed-check alerts go: the log and the alert ledger always; a webhook when configured.

A failure is alerted once per (asset, check, partition) until that check passes again there, so a
retried or re-run partition that fails the same way does not page anyone twice.
"""

from __future__ import annotations

import html
import http.client
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import asdict
from typing import Protocol

import dagster as dg

from banking_dw.alerts.ledger import AlertLedger, FailedCheck

WEBHOOK_ENV = "BANKING_DW_ALERT_WEBHOOK_URL"
WEBHOOK_TIMEOUT_SECONDS = 10
# Slack refuses a section text over 3000 characters; the margin leaves room for a code fence.
SECTION_TEXT_LIMIT = 2900
# Everything urllib raises for a bad URL, an unreachable host or a bad answer.
WEBHOOK_ERRORS = (OSError, ValueError, http.client.HTTPException)


class AlertLog(Protocol):
    """What the sinks use of a logger: a sensor's Dagster log, or a test's stand-in."""

    def warning(self, message: str) -> None: ...

    def error(self, message: str) -> None: ...


def escape_for_slack(text: str, limit: int | None = None) -> str:
    """Data as Slack mrkdwn shows it literally: `<!channel>` in a value must not ping anyone.

    Cut to `limit` characters without splitting an entity."""
    escaped = html.escape(text, quote=False)
    if limit is None or len(escaped) <= limit:
        return escaped
    cut = escaped[:limit]
    # Every `&` starts an entity; one without its `;` was split by the cut.
    split = cut.rfind("&")
    return cut[:split] if split != -1 and ";" not in cut[split:] else cut


def slack_payload(failure: FailedCheck) -> dict[str, object]:
    """Block Kit for Slack; `text` stays as the fallback for notifications and other webhooks."""
    if failure.run_url:
        run = f"<{escape_for_slack(failure.run_url)}|{escape_for_slack(failure.run_id[:8])}>"
    else:
        run = escape_for_slack(failure.run_id)
    fields = [
        ("Asset", escape_for_slack(failure.asset_key)),
        ("Check", escape_for_slack(failure.check_name)),
        ("Partition", escape_for_slack(failure.partition or "-")),
        ("Severity", escape_for_slack(failure.severity)),
        ("Failing rows", "-" if failure.failed_row_count is None else str(failure.failed_row_count)),
        ("Run", run),
    ]
    blocks: list[dict[str, object]] = [
        # plain_text is shown as is: no mention or link in it is ever parsed.
        {"type": "header", "text": {"type": "plain_text", "text": f"{failure.severity}: {failure.check_name} failed"}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in fields]},
    ]
    if failure.description:
        text = escape_for_slack(failure.description, SECTION_TEXT_LIMIT)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    if failure.evidence:
        text = f"```{escape_for_slack(failure.evidence, SECTION_TEXT_LIMIT)}```"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    return {"text": escape_for_slack(failure.message()), "blocks": blocks, "check": asdict(failure)}


def webhook_url_problem(url: str) -> str | None:
    """What makes `url` unusable as a webhook, worded without any part of it (it holds a token)."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https"):
        return "is not an http(s) URL"
    if not parts.hostname:
        return "has no host"
    return None


def describe_webhook_error(error: Exception) -> str:
    """The kind of error and the HTTP status, never the message: urllib's messages may quote the URL."""
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code}"
    if isinstance(error, urllib.error.URLError) and isinstance(error.reason, BaseException):
        return f"{type(error).__name__} ({type(error.reason).__name__})"
    return type(error).__name__


class AlertSinks(dg.ConfigurableResource):
    """Delivers each new failed check to every configured sink.

    The webhook URL is a secret, so it is read from the environment when an alert is sent,
    never stored in config.
    """

    ledger: AlertLedger

    def send(self, failures: list[FailedCheck], log: AlertLog, passed: Iterable[str] = ()) -> list[FailedCheck]:
        """Alert the failures not alerted yet; forget the checks that `passed` (identities).

        Returns the failures that were sent.
        """
        alerted = self.ledger.alerted()
        alerted.difference_update(passed)
        new = [f for f in failures if f.dedupe_key not in alerted]
        if new:
            for failure in new:
                log.warning(failure.message())
            record = self.ledger.append(new)
            self._post_to_webhook(new, log, record)
        alerted.update(f.dedupe_key for f in new)
        self.ledger.record_alerted(alerted)
        return new

    def _post_to_webhook(self, failures: list[FailedCheck], log: AlertLog, record: str) -> None:
        webhook = os.environ.get(WEBHOOK_ENV, "").strip()
        if not webhook:
            return
        problem = webhook_url_problem(webhook)
        if problem:
            log.error(f"{WEBHOOK_ENV} {problem}; alerts were written to {record} only")
            return
        for failure in failures:
            # One unreachable webhook must not cost the other alerts; they are on record anyway.
            try:
                _post_json(webhook, slack_payload(failure))
            except WEBHOOK_ERRORS as error:
                log.error(
                    f"{WEBHOOK_ENV} failed for {failure.asset_key} {failure.check_name}: "
                    f"{describe_webhook_error(error)}; the alert is in {record}"
                )


def _post_json(url: str, payload: dict[str, object]) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
        response.read()
