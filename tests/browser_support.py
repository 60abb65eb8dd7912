"""Headless Chromium for the HTML report tests (imported, not a conftest)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

BROWSER = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)


def dump_dom(url: str, profile: Path) -> str:
    """The DOM after the page's scripts ran, with no network and a throw-away profile."""
    assert BROWSER is not None
    return subprocess.run(
        [
            BROWSER,
            "--headless",
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
