"""The local target's alert ledger: two files in the data directory."""

from __future__ import annotations

import json
import os
from pathlib import Path

from banking_dw import settings
from banking_dw.alerts.ledger import ALERTED, FAILED_CHECKS, AlertLedger, FailedCheck, alerted_json, json_lines


class LocalAlertLedger(AlertLedger):
    """`alerted.json` and `failed_checks.jsonl` in `directory` (default: `alerts/` in the data directory)."""

    directory: str | None = None

    def folder(self) -> Path:
        return Path(self.directory) if self.directory else settings.data_dir() / "alerts"

    def alerted(self) -> set[str]:
        path = self.folder() / ALERTED
        return set(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else set()

    def record_alerted(self, identities: set[str]) -> None:
        path = self.folder() / ALERTED
        settings.make_private_dirs(path.parent)
        # A sensor killed mid-write must not leave a ledger that cannot be read.
        staging = path.with_suffix(".tmp")
        staging.write_text(alerted_json(identities), encoding="utf-8")
        os.replace(staging, path)

    def append(self, failures: list[FailedCheck]) -> str:
        path = self.folder() / f"{FAILED_CHECKS}.jsonl"
        settings.make_private_dirs(path.parent)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json_lines(failures))
        return str(path)
