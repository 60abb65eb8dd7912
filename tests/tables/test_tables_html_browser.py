"""The tables' HTML page in a real headless browser (skipped when chromium is not installed)."""

from __future__ import annotations

import re

import pytest
from browser_support import BROWSER, dump_dom
from click.testing import CliRunner

from bbmigrate.cli import main


def _dom(page, profile, query: str) -> str:
    return dump_dom(page.as_uri() + query, profile)


@pytest.mark.skipif(BROWSER is None, reason="chromium is not installed")
def test_search_and_filters_run_offline_in_chromium(tmp_path):
    page = tmp_path / "t.html"
    result = CliRunner().invoke(main, ["tables", "--format", "html", "-o", str(page), "--quiet"])
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    assert not re.search(r"<(?:script|link)[^>]+(?:src|href)=", html)  # nothing fetched
    # Patient sheet, "added in v2" rows only, searching for the MBI type coding (Member Number)
    dom = _dom(page, tmp_path / "profile", "?sheet=Patient&change=added&q=member")
    shown, total = map(int, re.search(r"(\d+) of (\d+) rows shown", dom).groups())
    rows = re.findall(
        r'<tr class="k-(\w+)" data-sheet="([^"]+)"[^>]*?(style="display: none;")?>', dom
    )
    assert total == len(rows) > 1000
    visible = [(kind, sheet) for kind, sheet, hidden in rows if not hidden]
    assert len(visible) == shown >= 1
    assert {kind for kind, _ in visible} == {"added"}
    assert {sheet for _, sheet in visible} == {"Patient"}
