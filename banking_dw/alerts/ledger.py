"""Where the alerts keep their memory: which checks were alerted, and the record of each alert sent.

Each target brings its ledger (banking_dw/targets/): locally two files under the data directory
(banking_dw/alerts/local_ledger.py); on aws objects in the lake's bucket
(banking_dw/alerts/s3_ledger.py), so a deployment keeps no state on the machine that runs the sensors.
"""

from __future__ import annotations

import json
from abc import abstractmethod
from dataclasses import asdict, dataclass

import dagster as dg

ALERTED = "alerted.json"
FAILED_CHECKS = "failed_checks"


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


def check_identity(asset_key: str, check_name: str, partition: str | None) -> str:
    return f"{asset_key}|{check_name}|{partition or ''}"


def alerted_json(identities: set[str]) -> str:
    return json.dumps(sorted(identities), indent=1)


def json_lines(failures: list[FailedCheck]) -> str:
    return "".join(json.dumps(asdict(failure), sort_keys=True) + "\n" for failure in failures)


class AlertLedger(dg.ConfigurableResource):
    """Base of the ledgers: AlertSinks annotates with it, any subclass is injected."""

    @abstractmethod
    def alerted(self) -> set[str]:
        """The identities (`check_identity`) of the failures already alerted."""

    @abstractmethod
    def record_alerted(self, identities: set[str]) -> None:
        """Replace the alerted identities with `identities`."""

    @abstractmethod
    def append(self, failures: list[FailedCheck]) -> str:
        """Keep the JSON record of each alert sent; returns where, for log lines."""
