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
from typing import Protocol

import dagster as dg

from banking_dw.alerts.ledger import AlertLedger, FailedCheck

WEBHOOK_ENV = "BANKING_DW_ALERT_WEBHOOK_URL"
WEBHOOK_TIMEOUT_SECONDS = 10
# What Slack accepts in a header, a section field and a section text.
HEADER_TEXT_LIMIT = 150
FIELD_TEXT_LIMIT = 2000
SECTION_TEXT_LIMIT = 3000
# Everything urllib raises for a bad URL, an unreachable host or a bad answer.
WEBHOOK_ERRORS = (OSError, ValueError, http.client.HTTPException)


class AlertLog(Protocol):
    """What the sinks use of a logger: a sensor's Dagster log, or a test's stand-in."""

    def warning(self, message: str) -> None: ...

    def error(self, message: str) -> None: ...


# Slack mrkdwn's formatting characters, each shown as a look-alike that Slack does not parse (mrkdwn has
# no escape character): *bold*, _italic_, ~strike~, `code`.
_MRKDWN_LOOK_ALIKES = str.maketrans({"*": "\u2217", "_": "\uff3f", "~": "\u223c", "`": "\u02cb"})


def escape_for_slack(text: str, limit: int | None = None) -> str:
    """Data as Slack mrkdwn shows it literally: `<!channel>` in a value must not ping anyone, and
    `*bold*` or `_x_` must not format. `&`, `<` and `>` become entities (the escapes Slack defines);
    the formatting characters, which Slack cannot escape, become look-alikes.

    Cut to `limit` characters without splitting an entity."""
    escaped = html.escape(text, quote=False).translate(_MRKDWN_LOOK_ALIKES)
    if limit is None or len(escaped) <= limit:
        return escaped
    cut = escaped[:limit]
    # Every `&` starts an entity; one without its `;` was split by the cut.
    split = cut.rfind("&")
    return cut[:split] if split != -1 and ";" not in cut[split:] else cut


def _plain(text: str, limit: int) -> dict[str, object]:
    """A Slack text object shown exactly as written: no mrkdwn, mention, link or emoji is parsed."""
    return {"type": "plain_text", "text": text[:limit], "emoji": False}


def slack_payload(failure: FailedCheck) -> dict[str, object]:
    """Block Kit for Slack; `text` stays as the fallback for notifications and other webhooks.

    Every value from the data (asset, partition, description, the evidence query) is plain text,
    which Slack never parses; mrkdwn carries only the run link, whose URL and label are escaped.
    The alert record itself stays in the ledger, out of the message."""
    if failure.run_url:
        run = f"<{escape_for_slack(failure.run_url)}|{escape_for_slack(failure.run_id[:8])}>"
    else:
        run = escape_for_slack(failure.run_id)
    fields = [
        ("Asset", failure.asset_key),
        ("Check", failure.check_name),
        ("Partition", failure.partition or "-"),
        ("Severity", failure.severity),
        ("Failing rows", "-" if failure.failed_row_count is None else str(failure.failed_row_count)),
    ]
    blocks: list[dict[str, object]] = [
        {"type": "header", "text": _plain(f"{failure.severity}: {failure.check_name} failed", HEADER_TEXT_LIMIT)},
        {
            "type": "section",
            "fields": [_plain(f"{k}\n{v}", FIELD_TEXT_LIMIT) for k, v in fields]
            + [{"type": "mrkdwn", "text": f"Run\n{run}"}],
        },
    ]
    for text in (failure.description, failure.evidence):
        if text:
            blocks.append({"type": "section", "text": _plain(text, SECTION_TEXT_LIMIT)})
    return {"text": escape_for_slack(failure.message()), "mrkdwn": False, "blocks": blocks}


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
