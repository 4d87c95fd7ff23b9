"""Headless Chromium (Debian's `chromium` package), as the charts page test and the README's
screenshot scripts drive it: no network traffic of its own, a throwaway profile, virtual time so a
page's scripts finish before Chromium reads or draws it."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

# What a sandboxed, offline machine needs: no background traffic, no first-run UI.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
INSTALL_HINT = "chromium is not installed: `apt-get install chromium` (.ci/run installs it in CI)"


def chromium_binary() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def run_chromium(url: str, *args: str, settle_ms: int, timeout: float = 180) -> str:
    """Chromium's standard output for `url` after `settle_ms` of virtual time (with `--dump-dom`,
    the page as its scripts left it)."""
    binary = chromium_binary()
    if binary is None:
        raise RuntimeError(INSTALL_HINT)
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--virtual-time-budget={settle_ms}", *args, url],
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    return done.stdout


def screenshot(url: str, out: Path, width: int, height: int, settle_ms: int) -> None:
    run_chromium(url, f"--window-size={width},{height}", f"--screenshot={out}", settle_ms=settle_ms)
