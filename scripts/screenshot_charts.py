"""Refresh the README's picture of the reports' charts page: a headless-Chromium screenshot.

    make run                                   # builds the warehouse and data/reports/index.html
    python scripts/screenshot_charts.py        # writes docs/charts.png

Chromium comes from Debian (`apt-get install chromium`), driven as the charts page test drives it
(banking_dw_tests/chromium.py). The page opens from disk: it needs no server and no network.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY_ROOT))

from banking_dw_tests.chromium import INSTALL_HINT, chromium_binary, screenshot  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", type=Path, default=REPOSITORY_ROOT / "data" / "reports" / "index.html")
    parser.add_argument("--out", type=Path, default=REPOSITORY_ROOT / "docs" / "charts.png")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1400)
    parser.add_argument("--settle-ms", type=int, default=5000, help="virtual time for the charts to draw")
    arguments = parser.parse_args(argv)
    if chromium_binary() is None:
        raise SystemExit(INSTALL_HINT)
    if not arguments.page.is_file():
        raise SystemExit(f"no charts page at {arguments.page}: run `make run` first")
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    screenshot(arguments.page.resolve().as_uri(), arguments.out, arguments.width, arguments.height, arguments.settle_ms)
    print(f"wrote {arguments.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
