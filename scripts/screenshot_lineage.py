"""Refresh the README's picture of the lineage: a headless-Chromium screenshot of a running UI.

    make dev                                   # in one shell
    python scripts/screenshot_lineage.py       # in another; writes docs/lineage.png

Chromium comes from Debian (`apt-get install chromium`); nothing in the test suite needs it.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
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


def wait_for(url: str, timeout_seconds: float) -> None:
    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            with urllib.request.urlopen(f"{url}/server_info", timeout=5) as response:
                response.read()
            return
        except OSError as error:
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"no Dagster UI at {url} after {timeout_seconds:.0f} s ({error}); start `make dev` first"
                ) from None
            time.sleep(1)


def screenshot(url: str, out: Path, chromium: str, width: int, height: int, settle_ms: int) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                f"--virtual-time-budget={settle_ms}",
                f"--screenshot={out}",
                url,
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:3000")
    parser.add_argument("--page", default="/asset-groups", help="the UI page to capture (the global lineage)")
    parser.add_argument("--out", type=Path, default=REPOSITORY_ROOT / "docs" / "lineage.png")
    parser.add_argument("--width", type=int, default=1800)
    parser.add_argument("--height", type=int, default=700)
    parser.add_argument("--settle-ms", type=int, default=20000, help="virtual time for the graph to lay out")
    arguments = parser.parse_args(argv)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium is not installed: `apt-get install chromium`")
    wait_for(arguments.url, timeout_seconds=120)
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    screenshot(
        arguments.url + arguments.page, arguments.out, chromium, arguments.width, arguments.height, arguments.settle_ms
    )
    print(f"wrote {arguments.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
