"""The validate reports people read: grouped findings, the severity × profile table, must-support
coverage, print set-up of every sheet, hostile values shown and never run, and the HTML page in
a real headless browser (skipped when chromium is absent)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from browser_support import BROWSER, dump_dom
from click.testing import CliRunner
from openpyxl import load_workbook
from test_validate_cli import PATIENT

from bbmigrate.cli import main
from bbmigrate.escaping import formula_cells

HOSTILE = '=HYPERLINK("http://x.test","<b>\x1b[31mclick</b>")'


SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def _patients(tmp_path, count=12):
    """``count`` Patients; every third has a bad gender, p0's is a hostile string; p5 has a
    birth date that is no date."""
    path = tmp_path / "patients.ndjson"
    docs = []
    for i in range(count):
        doc = copy.deepcopy(PATIENT)
        doc["id"] = f"p{i}"
        doc["gender"] = HOSTILE if i == 0 else "F" if i % 3 == 0 else "female"
        if i == 5:
            doc["birthDate"] = "1990-13-45"
        docs.append(doc)
    path.write_text("\n".join(json.dumps(d) for d in docs) + "\n")
    return path


def _report(tmp_path, fmt, *extra):
    out = tmp_path / f"report.{fmt}"
    args = ["validate", str(_patients(tmp_path)), "--format", fmt, "-o", str(out), *extra]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    return out


def test_xlsx_groups_findings_and_tabulates_summary_and_must_support(tmp_path):
    book = load_workbook(_report(tmp_path, "xlsx", "--must-support", "--detail"))
    assert book.sheetnames == ["Summary", "Findings", "Must-support", "All findings"]
    summary = list(book["Summary"].values)
    header = ("profile", "resources", "resources with errors", "errors", "warnings", "information")
    assert summary[0] == header
    assert summary[1][:3] == ("Patient", 12, 5) and summary[1][3] >= 5
    assert summary[2] == ("Total", *summary[1][1:])
    assert book["Summary"].auto_filter.ref == "A1:F2"  # the Total row stays out of sorting

    groups = list(book["Findings"].values)
    assert groups[0][:7] == (
        "severity", "profile", "rule", "element", "message", "findings", "resources"
    )  # fmt: skip
    # Four bad genders at four resources are one group, with three example locations.
    (gender,) = [g for g in groups[1:] if g[3] == "Patient.gender"]
    assert gender[:3] == ("error", "base R4", "binding") and gender[5:7] == (4, 4)
    assert gender[7].count(" at Patient.gender") == 3
    assert "Patient/p0 at Patient.gender = " in gender[7]

    ms = list(book["Must-support"].values)
    assert ms[0] == (
        "profile",
        "must-support element",
        "resources present",
        "of resources",
        "share",
    )
    by_element = {row[1]: row[2:] for row in ms[1:]}
    assert by_element["Patient.gender"] == (12, 12, 1.0)
    assert by_element["Patient.birthDate"] == (1, 12, 1 / 12)
    assert len(list(book["All findings"].values)) == 1 + summary[1][3]


def test_every_sheet_is_styled_frozen_filtered_and_prints_landscape(tmp_path):
    book = load_workbook(_report(tmp_path, "xlsx", "--must-support", "--detail"))
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
        assert all(cell.font.bold and cell.fill.fgColor.rgb.endswith("1F4E79") for cell in sheet[1])
        assert all(sheet.column_dimensions[c.column_letter].width > 8 for c in sheet[1])
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
        assert sheet.print_title_rows == "$1:$1"
    wrapped = [c.alignment.wrap_text for c in book["Findings"]["H"][1:]]
    assert wrapped and all(wrapped)


def test_hostile_values_are_shown_never_run(tmp_path):
    book = load_workbook(_report(tmp_path, "xlsx", "--detail"))
    assert formula_cells(book) == []
    cells = [c for s in book.worksheets for row in s.iter_rows(values_only=True) for c in row]
    shown = [c for c in cells if isinstance(c, str) and "HYPERLINK" in c]
    assert shown and all("\x1b" not in c and "\\x1b" in c for c in shown)

    page = _report(tmp_path, "html", "--detail").read_text()
    assert "<b>" not in page and "\x1b" not in page
    assert "&lt;b&gt;\\x1b[31mclick&lt;/b&gt;" in page
    # Offline: nothing is loaded from anywhere, and the only script is the page's own.
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert page.count("<script") == 1 and "<script>" in page


def test_html_is_grouped_and_bounded(tmp_path):
    page = _report(tmp_path, "html", "--must-support").read_text()
    rows = re.findall(r'<tr data-severity="(\w+)" data-profile="([^"]*)"', page)
    assert ("error", "base R4") in rows
    assert len(rows) == page.count("<details>")  # one row per group, its locations folded
    assert 'id="must-support"' in page and "Patient.birthDate" in page


@pytest.mark.skipif(BROWSER is None, reason="chromium is not installed")
def test_html_filters_run_offline_in_chromium(tmp_path):
    page = _report(tmp_path, "html", "--must-support")

    def dom(fragment: str) -> str:
        return dump_dom(page.as_uri() + fragment, tmp_path / "profile")

    everything = dom("")
    shown, total = map(int, re.search(r"(\d+) of (\d+) groups shown", everything).groups())
    assert shown == total > 1
    # Filters from the address: only binding groups stay visible.
    filtered = dom("#severity=error&q=binding")
    shown, total = map(int, re.search(r"(\d+) of (\d+) groups shown", filtered).groups())
    visible = re.findall(r'<tr data-severity="\w+" data-profile="[^"]*">(.*?)</tr>', filtered)
    assert 0 < shown < total and len(visible) == shown
    assert all("binding" in row for row in visible)


@pytest.mark.skipif(BROWSER is None, reason="chromium is not installed")
def test_html_never_scrolls_sideways_on_a_narrow_window(tmp_path):
    # Below 1000 px the eight-column findings table becomes one card per group. A sample
    # beneficiary's EOBs: long rule ids and element paths, as real data has.
    sample = next(p for p in sorted(SAMPLES.iterdir()) if (p / "v2").is_dir()) / "v2"
    out = tmp_path / "report.html"
    args = ["validate", str(sample), "--format", "html", "-o", str(out), "--must-support"]
    CliRunner().invoke(main, args)
    page = out.read_text()
    probe = tmp_path / "probe.html"  # the report, plus a line that writes down its width
    measure = "document.documentElement.scrollWidth + '/' + innerWidth"
    probe.write_text(
        page.replace("</body>", f"<script>document.body.dataset.width = {measure}</script></body>")
    )
    for width in (700, 800, 1400):
        dom = dump_dom(probe.as_uri(), tmp_path / "profile", window=(width, 900))
        scrolled, window = map(int, re.search(r'data-width="(\d+)/(\d+)"', dom).groups())
        assert scrolled <= window, f"{width} px: the page is {scrolled} px wide"


def test_json_report_written_from_the_findings_is_the_report_as_a_dict(tmp_path):
    # render() writes unredacted findings straight from the dataclasses; it must be exactly
    # the JSON of as_dict(), which --json prints (values of every JSON type, a hostile one).
    from bbmigrate.jsonio import dumps
    from bbmigrate.validate import Validator, render, validate_resources
    from bbmigrate.validate.inputs import iter_resources

    odd = {**PATIENT, "id": "odd", "multipleBirthInteger": 2.5, "active": 1, "gender": None}
    resources = [*iter_resources(_patients(tmp_path)), (odd, "odd.json")]
    report = validate_resources(resources, Validator("2.0.0"))
    values = {type(f.value) for f in report.findings}
    assert {str, int, float, type(None)} <= values, values
    for must_support in (False, True):
        expected = dumps(report.as_dict(must_support=must_support)) + b"\n"
        assert render(report, "json", must_support=must_support) == expected


def test_json_report_is_written_in_pieces_that_make_the_rendered_report(tmp_path):
    # The CLI writes the JSON report piece by piece (no joined copy of a large report): the
    # file must be byte for byte what render() gives, for every format.
    from bbmigrate.validate import Validator, validate_resources
    from bbmigrate.validate.inputs import iter_resources
    from bbmigrate.validate.report import render, render_pieces, write_report

    report = validate_resources(iter_resources(_patients(tmp_path)), Validator("2.0.0"))
    assert report.findings
    pieces = render_pieces(report, "json")
    assert len(pieces) > 3 and all(isinstance(piece, bytes) for piece in pieces)
    for fmt in ("json", "text", "html"):
        for redact in (False, True):
            out = tmp_path / f"pieces-{fmt}-{redact}"
            write_report(out, render_pieces(report, fmt, redact=redact))
            assert out.read_bytes() == render(report, fmt, redact=redact)
