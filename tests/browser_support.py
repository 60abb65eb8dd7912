"""Headless Chromium for the HTML report tests (imported, not a conftest)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

BROWSER = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)


def dump_dom(url: str, profile: Path, window: tuple[int, int] = (1400, 1000)) -> str:
    """The DOM after the page's scripts ran, with no network and a throw-away profile, laid
    out in a window of ``window`` (width, height) pixels."""
    assert BROWSER is not None
    return subprocess.run(
        [
            BROWSER,
            "--headless",
            f"--window-size={window[0]},{window[1]}",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
