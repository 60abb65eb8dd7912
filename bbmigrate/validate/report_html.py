"""The validate report as one static, offline HTML page: summary, grouped findings, must-support.

No CDN, no external file: the style and the filter script are inline. Findings are grouped
(:mod:`bbmigrate.validate.groups`); each group's locations open on demand (``<details>``),
bounded to ``EXAMPLES`` unless ``--detail``. Filters: severity, profile and free text; the page
also reads them from its address (``report.html#severity=error&q=binding``), so a link can
point at a view. Every value goes through :func:`bbmigrate.escaping.for_html`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..escaping import for_html
from .findings import SEVERITIES
from .groups import (
    SEVERITY_HEADINGS,
    example_texts,
    group_findings,
    must_support_rows,
    profile_name,
    severity_table,
)

if TYPE_CHECKING:
    from .report import Report

EXAMPLES = 20  # locations listed per group when expanded (all of them with --detail)

_STYLE = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em;color:#1b1b1b}
h1{font-size:1.4em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.4em 0 .4em}
table{border-collapse:collapse;width:100%;margin:.3em 0}
th,td{border:1px solid #cfd8e3;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#1f4e79;color:#fff;position:sticky;top:0}
td.n,th.n{text-align:right;white-space:nowrap}
tr.total td{font-weight:bold;background:#eef3f8}
.sev{font-weight:600;white-space:nowrap}.sev-error{color:#b00020}.sev-warning{color:#8a5a00}
.sev-information{color:#35608a}
.el{font-family:ui-monospace,Consolas,monospace;font-size:12.5px;overflow-wrap:anywhere}
@media (min-width:1000px){td.el{min-width:14em}}
details summary{cursor:pointer;color:#1f4e79}
details ul{margin:.3em 0;padding-left:1.2em;font-family:ui-monospace,Consolas,monospace;
 font-size:12px;overflow-wrap:anywhere}
.filters{display:flex;gap:1em;flex-wrap:wrap;align-items:center;padding:.5em;background:#eef3f8}
.bar{background:#dbe6f1;height:.8em;min-width:6em;position:relative}
.bar span{display:block;height:100%;background:#2e7d32}
.none td{background:#fff4f4}
.muted{color:#555}
"""

# The findings table's columns. Below 1000 px its eight columns do not fit: each group becomes
# a card whose cells are "label  value" lines (labels from these headers), so the page never
# scrolls sideways and rule ids are not broken a few letters a line.
_GROUP_COLUMNS = (
    ("severity", ""),
    ("profile", ""),
    ("rule", ""),
    ("element", ""),
    ("message", ""),
    ("findings", "n"),
    ("resources", "n"),
    ("locations", ""),
)
_NARROW = (
    "@media (max-width:999px){"
    "#groups,#groups tbody{display:block}#groups thead{display:none}"
    "#groups tr{display:block;border:1px solid #cfd8e3;margin:0 0 .6em;padding:3px 0}"
    "#groups td{display:grid;grid-template-columns:90px minmax(0,1fr);gap:.6em;border:none;"
    "padding:1px 8px;text-align:left;white-space:normal}"
    "#groups td::before{color:#555;font:600 13px system-ui,sans-serif}"
    + "".join(
        f'#groups td:nth-child({i})::before{{content:"{label}"}}'
        for i, (label, _) in enumerate(_GROUP_COLUMNS, start=1)
    )
    + "}"
)

_SCRIPT = """
(function(){
  var sev=document.querySelectorAll('input[name=severity]');
  var prof=document.getElementById('profile');
  var q=document.getElementById('q');
  var rows=document.querySelectorAll('#groups tbody tr');
  var count=document.getElementById('shown');
  function apply(){
    var on={};sev.forEach(function(b){on[b.value]=b.checked;});
    var p=prof.value, text=q.value.toLowerCase(), n=0;
    rows.forEach(function(r){
      var ok=on[r.dataset.severity]&&(!p||r.dataset.profile===p)&&
        (!text||r.textContent.toLowerCase().indexOf(text)>=0);
      r.style.display=ok?'':'none'; if(ok) n++;
    });
    count.textContent=n+' of '+rows.length+' groups shown';
  }
  var h=new URLSearchParams(location.hash.slice(1));
  if(h.has('severity')){var want=h.get('severity').split(',');
    sev.forEach(function(b){b.checked=want.indexOf(b.value)>=0;});}
  if(h.has('profile')) prof.value=h.get('profile');
  if(h.has('q')) q.value=h.get('q');
  sev.forEach(function(b){b.addEventListener('change',apply);});
  prof.addEventListener('change',apply); q.addEventListener('input',apply);
  apply();
})();
"""


def _cells(values: list[tuple[object, str]]) -> str:
    return "".join(f'<td class="{cls}">{for_html(value)}</td>' for value, cls in values)


def _summary(report: Report) -> list[str]:
    out = ["<h2>Summary</h2>", '<table id="summary"><thead><tr>']
    out += [
        f'<th class="{"" if i == 0 else "n"}">{for_html(h)}</th>'
        for i, h in enumerate(SEVERITY_HEADINGS)
    ]
    out.append("</tr></thead><tbody>")
    for name, counts in severity_table(report.summary.get("by_profile", {})):
        cls = ' class="total"' if name == "Total" else ""
        out.append(f"<tr{cls}>" + _cells([(name, "")] + [(c, "n") for c in counts]) + "</tr>")
    out.append("</tbody></table>")
    value_sets = report.summary.get("not_checked_value_sets") or {}
    if value_sets:
        out.append("<h2>Codes not checked (value sets not expandable offline)</h2>")
        out.append("<table><thead><tr><th>value set</th><th class=n>resources</th></tr></thead>")
        out.append("<tbody>")
        for url, count in value_sets.items():
            out.append(f"<tr>{_cells([(url, 'el'), (count, 'n')])}</tr>")
        out.append("</tbody></table>")
    return out


def _groups(report: Report, redact: bool, detail: bool) -> list[str]:
    from .report import shown_findings, shown_value

    groups = group_findings(
        shown_findings(report.findings, redact), examples=None if detail else EXAMPLES
    )
    profiles = sorted({profile_name(g.profile) for g in groups})
    out = ["<h2>Findings, grouped by profile and rule</h2>", '<div class="filters">']
    for severity in SEVERITIES:
        out.append(
            f'<label><input type="checkbox" name="severity" value="{severity}" checked> '
            f"{severity}</label>"
        )
    out.append('<label>profile <select id="profile"><option value="">all</option>')
    out += [f'<option value="{for_html(p)}">{for_html(p)}</option>' for p in profiles]
    out.append("</select></label>")
    out.append('<label>contains <input id="q" type="search" size="28"></label>')
    out.append(f'<span id="shown" class="muted">{len(groups)} groups</span></div>')
    heads = "".join(
        f'<th class="{cls}">{label}</th>' if cls else f"<th>{label}</th>"
        for label, cls in _GROUP_COLUMNS
    )
    out.append(f'<table id="groups"><thead><tr>{heads}</tr></thead><tbody>')
    for g in groups:
        name = profile_name(g.profile)
        message = g.message + (f" (and {g.other_messages} similar)" if g.other_messages else "")
        texts = example_texts(g, lambda f: shown_value(f, redact))
        items = "".join(f"<li>{for_html(text)}</li>" for text in texts)
        listed = f"{len(g.examples)} of {g.findings}" if len(g.examples) < g.findings else "all"
        out.append(
            f'<tr data-severity="{g.severity}" data-profile="{for_html(name)}">'
            f'<td class="sev sev-{g.severity}">{g.severity}</td>'
            + _cells([(name, ""), (g.rule, "el"), (g.element, "el"), (message, "")])
            + _cells([(g.findings, "n"), (len(g.resources), "n")])
            + f"<td><details><summary>{listed}</summary><ul>{items}</ul></details></td></tr>"
        )
    out.append("</tbody></table>")
    return out


def _must_support(report: Report) -> list[str]:
    out = ["<h2>Must-support elements: resources that populate each</h2>"]
    out.append('<p class="muted">Judged as the Inferno CARIN test kit does: each element must be')
    out.append("populated in at least one resource of its profile. Rows in red: never.</p>")
    out.append('<table id="must-support"><thead><tr><th>profile</th><th>element</th>')
    out.append("<th class=n>present</th><th class=n>of</th><th class=n>share</th><th></th>")
    out.append("</tr></thead><tbody>")
    for row in must_support_rows(report.must_support):
        cls = ' class="none"' if row.present == 0 else ""
        width = f"{row.share * 100:.0f}%"
        out.append(
            f"<tr{cls}>"
            + _cells([(row.profile, ""), (row.element, "el"), (row.present, "n")])
            + _cells([(row.resources, "n"), (f"{row.share:.0%}", "n")])
            + f'<td><div class="bar"><span style="width:{width}"></span></div></td></tr>'
        )
    out.append("</tbody></table>")
    return out


def render_html(
    report: Report, *, must_support: bool = False, redact: bool = False, detail: bool = False
) -> bytes:
    s = report.summary
    title = f"CARIN Blue Button {report.ig} validation"
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Nothing is fetched: no script, style or image from anywhere but this page.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">",
        f"<title>{for_html(title)}</title><style>{_STYLE}{_NARROW}</style></head><body>",
        f"<h1>{for_html(title)}</h1>",
        f'<p class="muted">{s["resources"]} resources; {s["errors"]} errors, '
        f"{s['warnings']} warnings, {s['information']} information"
        + ("" if s.get("invariants", True) else "; FHIRPath invariants not checked")
        + "</p>",
        *_summary(report),
        *_groups(report, redact, detail),
    ]
    if must_support:
        lines += _must_support(report)
    lines.append(f"<script>{_SCRIPT}</script></body></html>")
    return ("\n".join(lines) + "\n").encode("utf-8")
