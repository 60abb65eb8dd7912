"""The committed workbook opens cleanly in LibreOffice: it renders to PDF and PNG headless.

Skips when LibreOffice (``soffice``) is not installed (``apt-get install libreoffice-calc``).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bbmigrate.tables.output import default_path

PROJECT = Path(__file__).resolve().parents[2]
WORKBOOK = PROJECT / default_path("xlsx")
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_workbook_renders_in_libreoffice(tmp_path):
    assert WORKBOOK.is_file(), "run: bbmigrate tables --format all"
    # A private profile: parallel runs (and a user's open LibreOffice) do not lock each other.
    profile = f"-env:UserInstallation=file://{tmp_path / 'profile'}"
    result = subprocess.run(
        [
            SOFFICE,
            profile,
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(WORKBOOK),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    pdf = tmp_path / (WORKBOOK.stem + ".pdf")
    assert result.returncode == 0 and pdf.is_file(), result.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        for expected in ("comparison", "V2 (R4) element", "Change", "added in v2", "Carrier"):
            assert expected in text, f"{expected!r} not rendered"
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "50",
                "-f",
                "1",
                "-l",
                "2",
                str(pdf),
                str(tmp_path / "page"),
            ],
            check=True,
            timeout=60,
        )
        pages = sorted(tmp_path.glob("page-*.png"))
        assert len(pages) == 2
        assert all(p.read_bytes().startswith(b"\x89PNG") for p in pages)
