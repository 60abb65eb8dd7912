"""One self-contained HTML page (no CDN, works offline), filterable by kind, resource and text.

Rows are rendered on the server side so the page reads without JavaScript; a few lines of inline
script only hide and show rows. Every value is HTML-escaped.
"""

from __future__ import annotations

from typing import Any

from ..escaping import for_html
from .render_text import QUIET_KINDS, fmt_value, headers, summary_lines

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
td.path,td.val{font-family:ui-monospace,monospace;font-size:12px;word-break:break-all}
tr.k-same td,tr.k-reproduced td{color:#777}
.kind{font-weight:600;border-radius:3px;padding:0 4px;white-space:nowrap}
.k-moved .kind{background:#dbeafe}.k-changed .kind,.k-differs .kind{background:#fef3c7}
.k-removed .kind,.k-missing .kind{background:#fee2e2}
.k-added .kind,.k-extra .kind{background:#dcfce7}
.new{color:#b91c1c;font-weight:600}.accepted{color:#047857}
#count{margin-left:1em;color:#555}
"""

_SCRIPT = """
(function(){
  var rows = Array.prototype.slice.call(document.querySelectorAll('#records tbody tr'));
  var boxes = document.querySelectorAll('input[name=kind]');
  var res = document.getElementById('resource'), text = document.getElementById('text');
  var count = document.getElementById('count');
  function apply(){
    var kinds = {}; boxes.forEach(function(b){ kinds[b.value] = b.checked; });
    var r = res.value, t = text.value.toLowerCase(), n = 0;
    rows.forEach(function(row){
      var ok = kinds[row.dataset.kind] && (!r || row.dataset.res === r) &&
               (!t || row.textContent.toLowerCase().indexOf(t) >= 0);
      row.style.display = ok ? '' : 'none'; if (ok) n++;
    });
    count.textContent = n + ' of ' + rows.length + ' records shown';
  }
  boxes.forEach(function(b){ b.addEventListener('change', apply); });
  res.addEventListener('change', apply); text.addEventListener('input', apply);
  apply();
})();
"""


def _cell(value: Any, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<td{attr}>{for_html(fmt_value(value, 200))}</td>"


def _per_resource(data: dict[str, Any], kinds: list[str], labels: list[str]) -> str:
    """A folded table of counts (and fidelity) per resource."""
    mapped = data["summary"]["mode"] == "mapped"
    head = "".join(f"<th>{for_html(k)}</th>" for k in kinds)
    head += "<th>recall</th><th>precision</th>" if mapped else ""
    rows = []
    for resource, label in zip(data["resources"], labels, strict=True):
        cells = "".join(f"<td>{resource['counts'].get(k, 0)}</td>" for k in kinds)
        fid = resource.get("fidelity")
        if mapped and fid:
            cells += f"<td>{fid['recall']:.3f}</td><td>{fid['precision']:.3f}</td>"
        rows.append(f"<tr><td>{for_html(label)} ({for_html(resource['status'])})</td>{cells}</tr>")
    return (
        f'<details><summary>{len(labels)} resources</summary><table class="counts">'
        f"<thead><tr><th>resource</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
        "</table></details>"
    )


def render_html(data: dict[str, Any]) -> str:
    """The whole page as a string."""
    summary = data["summary"]
    kinds = list(summary["counts"])
    labels = [f"{r['resourceType']}/{r['id']}" for r in data["resources"]]
    checks = "".join(
        f'<label><input type="checkbox" name="kind" value="{for_html(k)}"'
        f"{'' if k in QUIET_KINDS and k not in summary.get('only', ()) else ' checked'}> "
        f"{for_html(k)} ({summary['counts'][k]})</label>"
        for k in kinds
    )
    options = '<option value="">all resources</option>' + "".join(
        f'<option value="{for_html(label)}">{for_html(label)}</option>' for label in labels
    )
    rows = []
    for resource, label in zip(data["resources"], labels, strict=True):
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
                f'<tr class="k-{for_html(c["kind"])}" data-kind="{for_html(c["kind"])}" '
                f'data-res="{for_html(label)}"><td>{for_html(label)}</td>'
                f'<td><span class="kind">{for_html(c["kind"])}</span></td>'
                + _cell(v1_path, "path")
                + _cell(c["v2_path"], "path")
                + _cell(v1_value, "val")
                + _cell(c["v2_value"], "val")
                + _cell(c.get("rule"))
                + _cell(c.get("variable"))
                + f"<td>{' '.join(notes)}</td></tr>"
            )
    items = "".join(f"<li>{for_html(line)}</li>" for line in summary_lines(data))
    per_resource = _per_resource(data, kinds, labels)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>bbmigrate diff</title><style>{_STYLE}</style></head><body>"
        f'<h1>bbmigrate diff</h1><ul class="summary">{items}</ul>{per_resource}'
        f'<div class="controls">{checks}<select id="resource" aria-label="resource">{options}'
        '</select> <input id="text" type="search" placeholder="filter text" aria-label="filter">'
        '<span id="count"></span></div>'
        '<table id="records"><colgroup><col style="width:10%"><col style="width:7%">'
        '<col style="width:19%"><col style="width:19%"><col style="width:13%">'
        '<col style="width:13%"><col style="width:7%"><col style="width:7%">'
        '<col style="width:5%"></colgroup><thead><tr><th>resource</th><th>kind</th>'
        + "".join(f"<th>{for_html(title)}</th>" for title in headers(data))
        + "<th>rule</th><th>variable</th><th>note</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
