"""The HTML report in a real headless browser (skipped when chromium is not installed)."""

from __future__ import annotations

import re

import pytest
from browser_support import BROWSER, dump_dom
from click.testing import CliRunner
from diff_data import write_beneficiary

from bbmigrate.cli import main


@pytest.mark.skipif(BROWSER is None, reason="chromium is not installed")
def test_filters_run_offline_in_chromium(tmp_path):
    bene = write_beneficiary(tmp_path / "bene")
    page = tmp_path / "r.html"
    result = CliRunner().invoke(main, ["diff", str(bene), "--format", "html", "-o", str(page)])
    assert result.exit_code == 0, result.output
    dom = dump_dom(page.as_uri(), tmp_path / "profile")
    # the inline script ran: it counted the grouped rows (one per element change), all shown
    # (same-as-v1 is counted, not listed), each with its examples folded in a <details>
    shown, total = map(int, re.search(r"(\d+) of (\d+) element changes shown", dom).groups())
    rows = re.findall(r'<tr class="k-(\w+)" data-kind', dom)
    assert total == len(rows) == shown > 0
    assert "same" not in rows and {"moved", "changed", "removed", "added"} <= set(rows)
    assert dom.count('<details class="ex">') == total
    assert 'ExplanationOfBenefit/<wbr><span class="rid">carrier-10000930037</span>' in dom
