"""One self-contained HTML page (no CDN, works offline), filterable by kind and text.

The page leads with the grouped view: one row per element change with its counts, rule,
variable and note; the examples of a group (old → new, concrete paths, resource ids) open on
demand in a ``<details>``. Per-leaf records are listed only with ``--detail`` (they make a page
of tens of megabytes for one beneficiary). Rows are rendered on the server side so the page
reads without JavaScript; a few lines of inline script only hide and show rows. Every value
goes through :func:`bbmigrate.escaping.for_html`.
"""

from __future__ import annotations

from typing import Any

from ..escaping import for_html
from .render_text import (
    QUIET_KINDS,
    fmt_pair,
    fmt_value,
    group_title,
    headers,
    summary_lines,
)

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em;margin:0 0 .4em}
.summary{margin:.2em 0 1em;padding:0;list-style:none;color:#444}
.controls{position:sticky;top:0;background:#fff;padding:.5em 0;border-bottom:1px solid #ccc}
.controls label{margin-right:.8em;white-space:nowrap}
table{border-collapse:collapse;width:100%;margin-top:.6em}
#records{table-layout:fixed}
table.counts{width:auto}table.counts th{position:static}
th,td{border:1px solid #ddd;padding:3px 6px;vertical-align:top;text-align:left;
overflow-wrap:anywhere}
th{background:#4385f4;color:#fff;position:sticky;top:2.6em}
td.path,td.val{font-family:ui-monospace,monospace;font-size:12px}
tr.k-same td,tr.k-reproduced td{color:#777}
.kind{font-weight:600;border-radius:3px;padding:0 4px;white-space:nowrap}
.k-moved .kind{background:#dbeafe}.k-changed .kind,.k-differs .kind{background:#fef3c7}
.k-removed .kind,.k-missing .kind{background:#fee2e2}
.k-added .kind,.k-extra .kind{background:#dcfce7}
.new{color:#b91c1c;font-weight:600}.accepted{color:#047857}
#count{margin-left:1em;color:#555}
.rid{font-family:ui-monospace,monospace;font-size:12px}
td.num{text-align:right;white-space:nowrap}
details.ex summary{cursor:pointer;color:#1d4ed8}
details.ex table{margin:.3em 0;width:100%;table-layout:fixed}
details.ex td{font-family:ui-monospace,monospace;font-size:12px}
details.ex th{position:static;background:#e5edfb;color:#222}
.note{color:#555;font-size:12px}
"""

_SCRIPT = """
(function(){
  var rows = Array.prototype.slice.call(document.querySelectorAll('#records > tbody > tr'));
  var boxes = document.querySelectorAll('input[name=kind]');
  var res = document.getElementById('resource') || {value: ''};
  var text = document.getElementById('text');
  var count = document.getElementById('count');
  function apply(){
    var kinds = {}; boxes.forEach(function(b){ kinds[b.value] = b.checked; });
    var r = res.value, t = text.value.toLowerCase(), n = 0;
    rows.forEach(function(row){
      var ok = kinds[row.dataset.kind] && (!r || row.dataset.res === r) &&
               (!t || row.textContent.toLowerCase().indexOf(t) >= 0);
      row.style.display = ok ? '' : 'none'; if (ok) n++;
    });
    count.textContent = n + ' of ' + rows.length + ' ' + count.dataset.what + ' shown';
  }
  boxes.forEach(function(b){ b.addEventListener('change', apply); });
  if (res.addEventListener) res.addEventListener('change', apply);
  text.addEventListener('input', apply);
  apply();
})();
"""


_WIDTH = 200  # characters of a value shown in a cell


def _td(text: str, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<td{attr}>{for_html(text)}</td>"


def _cell(value: Any, cls: str = "") -> str:
    return _td(fmt_value(value, _WIDTH), cls)


def _value_cells(old: Any, new: Any, cls: str = "") -> str:
    """The old and new value cells, long values cut where the two differ (``fmt_pair``)."""
    left, right = fmt_pair(old, new, _WIDTH)
    return _td(left, cls) + _td(right, cls)


def count_row(summary: dict[str, Any], resource: dict[str, Any]) -> str:
    """One resource's row in the folded table of counts (and fidelity) per resource."""
    mapped = summary["mode"] == "mapped"
    label = f"{resource['resourceType']}/{resource['id']}"
    cells = "".join(f"<td>{resource['counts'].get(k, 0)}</td>" for k in summary["counts"])
    fid = resource.get("fidelity")
    if mapped and fid:
        cells += f"<td>{fid['recall']:.3f}</td><td>{fid['precision']:.3f}</td>"
    return f"<tr><td>{_rid(label)} ({for_html(resource['status'])})</td>{cells}</tr>"


def _rid(label: str) -> str:
    # the id never wraps (a claim number split over two lines reads as two numbers); the line
    # may break after the resource type
    kind, _, rid = label.partition("/")
    if not rid:
        return f'<span class="rid">{for_html(label)}</span>'
    return f'{for_html(kind)}/<wbr><span class="rid">{for_html(rid)}</span>'


def _examples(count: int) -> str:
    return "1 example" if count == 1 else f"{count} examples"


def _group_rows(data: dict[str, Any]) -> str:
    left = "mapped path" if data["summary"]["mode"] == "mapped" else "v1 path"
    ex_head = (
        '<colgroup><col style="width:32%"><col style="width:20%"><col style="width:20%">'
        '<col style="width:14%"><col style="width:14%"></colgroup>'
        f"<thead><tr><th>resource</th><th>{left}</th><th>v2 path</th><th>old</th>"
        "<th>new</th></tr></thead>"
    )
    rows = []
    for g in data.get("groups") or []:
        kind = for_html(g["kind"])
        examples = "".join(
            f"<tr><td>{_rid(e['resource'])}</td>"
            + _cell(e.get("v1_path"))
            + _cell(e.get("v2_path"))
            + _value_cells(e.get("old"), e.get("new"))
            + "</tr>"
            for e in g.get("examples", [])
        )
        variable = for_html(g.get("variable") or "")
        if g.get("label"):
            variable += f'<div class="note">{for_html(g["label"])}</div>'
        flags = []
        if g.get("new"):
            flags.append(f'<span class="new">{g["new"]} new</span>')
        if g.get("accepted"):
            flags.append(f'<span class="accepted">{g["accepted"]} accepted</span>')
        rule = for_html(g.get("rule") or "")
        if g.get("other_rules"):
            rule += f'<div class="note">+ {for_html(", ".join(g["other_rules"]))}</div>'
        rows.append(
            f'<tr class="k-{kind}" data-kind="{kind}">'
            f'<td><span class="kind">{kind}</span> {" ".join(flags)}</td>'
            f'<td class="path">{for_html(group_title(g))}'
            f'<details class="ex"><summary>{_examples(len(g.get("examples", [])))}</summary>'
            f"<table>{ex_head}<tbody>{examples}</tbody></table></details></td>"
            f'<td class="num">{g["leaves"]}</td><td class="num">{g["resources"]}</td>'
            f"<td>{rule}</td><td>{variable}</td>"
            f'<td class="note">{for_html(g.get("note") or "")}</td></tr>'
        )
    return "".join(rows)


def detail_rows(resource: dict[str, Any]) -> str:
    """One resource's per-leaf records (``--detail``): one row per record."""
    label = f"{resource['resourceType']}/{resource['id']}"
    rows = []
    for c in resource["changes"]:
        notes = []
        if c.get("new"):
            notes.append('<span class="new">new</span>')
        if c.get("accepted"):
            notes.append(f'<span class="accepted">accepted: {for_html(c["accepted"])}</span>')
        mapped = c.get("mapped_path")
        v1_path = c["v1_path"] or ""
        if mapped:
            v1_path = f"{v1_path} ⇒ {mapped}" if v1_path else f"⇒ {mapped}"
        v1_value = c.get("mapped_value") if mapped else c["v1_value"]
        rows.append(
            f'<tr class="k-{for_html(c["kind"])}">'
            f"<td>{_rid(label)}</td>"
            f'<td><span class="kind">{for_html(c["kind"])}</span></td>'
            + _cell(v1_path, "path")
            + _cell(c["v2_path"], "path")
            + _value_cells(v1_value, c["v2_value"], "val")
            + _cell(c.get("rule"))
            + _cell(c.get("variable"))
            + f"<td>{' '.join(notes)}</td></tr>"
        )
    return "".join(rows)


def html_frame(data: dict[str, Any], *, detail: bool = False) -> list[str]:
    """The page around its per-resource parts: ``[before, between, after]`` when the
    :func:`count_row` rows go between ``before`` and ``between`` and the :func:`detail_rows`
    (``detail``) between ``between`` and ``after``."""
    summary = data["summary"]
    kinds = list(summary["counts"])

    def check(kind: str) -> str:
        # same/reproduced leaves are counted, not listed, unless --only names them: their box
        # would filter nothing, so it says so instead of doing nothing
        counted_only = kind in QUIET_KINDS and kind not in summary.get("only", ())
        state = (
            ' disabled title="counted, not listed (list them with --only)"'
            if counted_only
            else " checked"
        )
        return (
            f'<label><input type="checkbox" name="kind" value="{for_html(kind)}"{state}> '
            f"{for_html(kind)} ({summary['counts'][kind]})</label>"
        )

    checks = "".join(check(k) for k in kinds)
    items = "".join(f"<li>{for_html(line)}</li>" for line in summary_lines(data))
    mapped = summary["mode"] == "mapped"
    title = "bbmigrate diff: mapped v1 against v2" if mapped else "bbmigrate diff: v1 against v2"
    head = "".join(f"<th>{for_html(k)}</th>" for k in kinds)
    head += "<th>recall</th><th>precision</th>" if mapped else ""
    before = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{_STYLE}</style></head><body>"
        f'<h1>{title}</h1><ul class="summary">{items}</ul>'
        f'<details><summary>{summary["resources"]} resources</summary><table class="counts">'
        f"<thead><tr><th>resource</th>{head}</tr></thead><tbody>"
    )
    between = (
        "</tbody></table></details>"
        f'<div class="controls">{checks}'
        ' <input id="text" type="search" placeholder="filter text" aria-label="filter">'
        '<span id="count" data-what="element changes"></span></div>'
        '<table id="records"><colgroup><col style="width:8%"><col style="width:40%">'
        '<col style="width:6%"><col style="width:6%"><col style="width:15%">'
        '<col style="width:10%"><col style="width:15%"></colgroup><thead><tr><th>kind</th>'
        '<th>element (v1 → v2) and examples</th><th>leaves</th><th title="resources">res.</th>'
        "<th>rule</th><th>variable</th><th>note</th></tr>"
        f"</thead><tbody>{_group_rows(data)}</tbody></table>"
    )
    if detail:
        between += (
            '<details><summary>Records (every leaf)</summary><table class="detail">'
            "<thead><tr><th>resource</th><th>kind</th>"
            + "".join(f"<th>{for_html(title)}</th>" for title in headers(summary))
            + "<th>rule</th><th>variable</th><th>note</th></tr></thead><tbody>"
        )
    after = "</tbody></table></details>" if detail else ""
    after += f"<script>{_SCRIPT}</script></body></html>\n"
    return [before, between, after]
