"""Who owns each layer and where each asset is defined, applied to every asset once.

- Owners per group: the team a question about a layer goes to.
- Code references: the Python step (and, for dbt models, the model's SQL file) that defines each
  asset; linked to the repository's web view when the checkout has a remote, at the commit it is
  at, else shown as local paths.
"""

from __future__ import annotations

import re
import subprocess
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

# The teams answerable for each layer (Dagster shows team owners as `team:<name>`).
OWNERS: dict[str, list[str]] = {
    "raw": ["team:core-banking-export"],
    "landing": ["team:data-platform"],
    "bronze": ["team:data-platform"],
    "silver": ["team:analytics-engineering"],
    "gold": ["team:analytics-engineering"],
    "restricted": ["team:data-protection", "team:analytics-engineering"],
    "reports": ["team:analytics"],
    # the copy analysts read on the local target: the platform keeps it equal to gold and the reports
    "analysts": ["team:data-platform"],
}


def owners_of(group: str | None) -> list[str]:
    if group not in OWNERS:
        raise ValueError(f"group {group!r} has no owners; name them in banking_dw/governance.py OWNERS")
    return OWNERS[group]


@dataclass(frozen=True)
class Remote:
    """Where the repository is browsed: its web URL and the commit the checkout is at."""

    url: str
    commit: str


def web_url(remote_url: str) -> str | None:
    """A git remote as the web page of its repository (GitHub, GitLab): `git@host:owner/repo.git`
    and `https://host/owner/repo(.git)` both give `https://host/owner/repo`; None otherwise."""
    remote_url = remote_url.strip()
    scp = re.fullmatch(r"[\w.-]+@([\w.-]+):(.+?)(?:\.git)?/?", remote_url)
    if scp:
        return f"https://{scp.group(1)}/{scp.group(2)}"
    web = re.fullmatch(r"(?:https?|ssh|git)://(?:[^@/]+@)?([\w.-]+)(?::\d+)?/(.+?)(?:\.git)?/?", remote_url)
    return f"https://{web.group(1)}/{web.group(2)}" if web else None


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def repository_remote(root: Path) -> Remote | None:
    """The checkout's `origin` (else its first remote) on GitHub or GitLab, at HEAD; None without one."""
    names = (_git(root, "remote") or "").split()
    if not names:
        return None
    name = "origin" if "origin" in names else names[0]
    url = web_url(_git(root, "remote", "get-url", name) or "")
    commit = _git(root, "rev-parse", "HEAD")
    return Remote(url, commit) if url and commit else None


def with_code_references(assets: Sequence[dg.AssetsDefinition], root: Path) -> list[dg.AssetsDefinition]:
    """Each asset's Python step as a code reference (dbt models also carry their SQL file), linked
    to the web view of the repository checked out at `root` when it has a remote."""
    with warnings.catch_warnings():
        # Code references are a beta API, used knowingly: one warning per asset would drown the log.
        warnings.simplefilter("ignore", dg.BetaWarning)
        return _linked(dg.with_source_code_references(assets), root)


def _linked(referenced: Sequence[dg.AssetsDefinition], root: Path) -> list[dg.AssetsDefinition]:
    remote = repository_remote(root)
    if remote is None:
        return list(referenced)
    return list(
        dg.link_code_references_to_git(
            referenced,
            git_url=remote.url,
            git_branch=remote.commit,
            file_path_mapping=dg.AnchorBasedFilePathMapping(local_file_anchor=root, file_anchor_path_in_repository=""),
        )
    )
