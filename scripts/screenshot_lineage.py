"""Refresh the README's picture of the lineage: a headless-Chromium screenshot of a running UI.

    make dev                                   # in one shell
    python scripts/screenshot_lineage.py       # in another; writes docs/lineage.png

Chromium comes from Debian (`apt-get install chromium`), driven as the charts page test drives it
(banking_dw_tests/chromium.py).
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.request
from pathlib import Path

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY_ROOT))

from banking_dw_tests.chromium import INSTALL_HINT, chromium_binary, screenshot  # noqa: E402


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:3000")
    parser.add_argument("--page", default="/asset-groups", help="the UI page to capture (the global lineage)")
    parser.add_argument("--out", type=Path, default=REPOSITORY_ROOT / "docs" / "lineage.png")
    parser.add_argument("--width", type=int, default=1800)
    parser.add_argument("--height", type=int, default=700)
    parser.add_argument("--settle-ms", type=int, default=20000, help="virtual time for the graph to lay out")
    arguments = parser.parse_args(argv)
    if chromium_binary() is None:
        raise SystemExit(INSTALL_HINT)
    wait_for(arguments.url, timeout_seconds=120)
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    screenshot(arguments.url + arguments.page, arguments.out, arguments.width, arguments.height, arguments.settle_ms)
    print(f"wrote {arguments.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
