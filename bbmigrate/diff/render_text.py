"""Text and Markdown renderings of a diff report (both read the report's JSON form).

Both lead with the grouped view (one entry per kind and element pattern, with counts, rule,
variable, note and examples); per-leaf records follow only with ``--detail``. ``same`` /
``reproduced`` leaves are counted in the summary, not listed, unless ``--only`` asks for them.
Against a baseline, the text report is CI-sized: one summary line and the new records only.
Every data value goes through :mod:`bbmigrate.escaping`.
"""

from __future__ import annotations

import textwrap
from typing import Any

from ..escaping import for_markdown, for_terminal
from .model import QUIET_KINDS

VALUE_WIDTH = 60


def shown(summary: dict[str, Any], change: dict[str, Any]) -> bool:
    """Whether a record is listed: differences always, sames only when ``--only`` names them."""
    return change["kind"] not in QUIET_KINDS or change["kind"] in summary.get("only", ())


def headers(summary: dict[str, Any]) -> tuple[str, str, str, str]:
    """Column titles: in a ``--mapped`` report the left side is the mapped v1."""
    if summary["mode"] == "mapped":
        return ("v1 path ⇒ mapped path", "v2 path", "mapped value", "v2 value")
    return ("v1 path", "v2 path", "v1 value", "v2 value")


def fmt_value(value: Any, width: int = VALUE_WIDTH) -> str:
    return "" if value is None else _cut(_shown(value), width)


def _shown(value: Any) -> str:
    return for_terminal(value if isinstance(value, str) else repr(value))


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# Characters shown before the first difference when a pair is cut around it.
_LEAD = 12


def fmt_pair(old: Any, new: Any, width: int = VALUE_WIDTH, new_width: int = 0) -> tuple[str, str]:
    """``old`` and ``new`` as :func:`fmt_value` shows them, except that a long value is cut
    around where the two first differ: two long URLs that share their first 60 characters
    would otherwise both read ``https://bluebutton.cms.gov/resources/variables/…``."""
    new_width = new_width or width
    if old is None or new is None or old == new:  # nothing to point at
        return fmt_value(old, width), fmt_value(new, new_width)
    left, right = _shown(old), _shown(new)
    # where they first differ (the shorter one's end when it is the other's start)
    at = next(
        (i for i, (a, b) in enumerate(zip(left, right, strict=False)) if a != b),
        min(len(left), len(right)),
    )
    return _around(left, at, width), _around(right, at, new_width)


def _around(text: str, at: int, width: int) -> str:
    """``text`` in ``width`` characters, showing position ``at`` (and a little after it)."""
    if len(text) <= width or at + _LEAD < width - 1:  # a plain cut shows the difference
        return _cut(text, width)
    start = max(1, min(at - _LEAD, len(text) - (width - 1)))
    if start + width - 1 >= len(text):
        return "…" + text[len(text) - (width - 1) :]
    return "…" + text[start : start + width - 2] + "…"


def records(count: int) -> str:
    """``1 record`` / ``N records``: what the summary's ignored and accepted counts count."""
    return "1 record" if count == 1 else f"{count} records"


def summary_lines(data: dict[str, Any]) -> list[str]:
    s = data["summary"]
    counts = ", ".join(f"{kind} {n}" for kind, n in s["counts"].items())
    lines = [
        f"{s['mode']}: {s['left']} → {s['right']}",
        f"{s['resources']} resources ({s['paired']} paired, {s['only_left']} only left, "
        f"{s['only_right']} only right); {counts}",
    ]
    extra = []
    if s.get("ignored"):
        # records, not resources: a mapped pair may have one on each side
        extra.append(f"{records(s['ignored'])} ignored by {', '.join(s['ignore_paths'])}")
    if s.get("accepted"):
        extra.append(f"{records(s['accepted'])} accepted")
    if "new" in s:
        extra.append(f"{s['new']} new against baseline {s['baseline']}")
    if extra:
        lines.append("; ".join(extra))
    if "fidelity" in s:
        f = s["fidelity"]
        if f["expected_leaves"] or f["mapped_leaves"]:
            lines.append(f"fidelity: recall {f['recall']:.3f}, precision {f['precision']:.3f}")
        else:  # recall and precision of nothing are 1.0 by convention: not worth showing
            lines.append("fidelity: nothing compared (no resource in both inputs)")
    return lines


def no_changes_line(s: dict[str, Any]) -> str:
    """What the report says in place of the grouped view when it is empty: "No differences"
    only when every resource had a partner to be compared with."""
    unpaired = s["only_left"] + s["only_right"]
    if unpaired and not s["paired"]:
        return (
            f"Nothing compared: no resource is in both inputs ({s['only_left']} only left, "
            f"{s['only_right']} only right)."
        )
    if unpaired:  # --mapped compares pairs: a resource without a partner has no records
        return (
            f"No differences in the {s['paired']} paired resources; {unpaired} resources "
            "without a partner were not compared."
        )
    return "No differences."


def _title(resource: dict[str, Any]) -> str:
    counts = ", ".join(f"{k} {n}" for k, n in resource["counts"].items())
    extra = f" — {resource['status']}" if resource["status"] != "paired" else ""
    fid = resource.get("fidelity")
    if fid:
        extra += f" — recall {fid['recall']:.3f}, precision {fid['precision']:.3f}"
    return f"{resource['resourceType']}/{resource['id']}{extra} ({counts})"


def _flags(change: dict[str, Any]) -> str:
    flags = []
    if change.get("new"):
        flags.append("NEW")
    if change.get("accepted"):
        flags.append(f"accepted: {change['accepted']}")
    return "; ".join(flags)


_COLORS = {
    "moved": "\x1b[34m",
    "changed": "\x1b[33m",
    "differs": "\x1b[33m",
    "removed": "\x1b[31m",
    "missing": "\x1b[31m",
    "added": "\x1b[32m",
    "extra": "\x1b[32m",
}
_CAPS = (9, 56, 56, 32, 32)


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, the middle replaced by a marker (a path's start and
    its leaf are what a reader needs)."""
    if len(text) <= width:
        return text
    keep = max(1, width - 1)
    head = keep // 2
    return text[:head] + "…" + text[len(text) - (keep - head) :]


def _row_cells(c: dict[str, Any], caps: tuple[int, ...]) -> list[str]:
    v1_path = c["v1_path"] or ""
    if c.get("mapped_path"):
        v1_path = f"{v1_path} ⇒ {c['mapped_path']}" if v1_path else f"⇒ {c['mapped_path']}"
    v1_value = c.get("mapped_value") if c.get("mapped_path") else c["v1_value"]
    note = " ".join(x for x in (c.get("rule"), c.get("variable"), _flags(c)) if x)
    return [
        for_terminal(c["kind"]),
        clip(for_terminal(v1_path), caps[1]),
        clip(for_terminal(c["v2_path"] or ""), caps[2]),
        *fmt_pair(v1_value, c["v2_value"], caps[3], caps[4]),
        for_terminal(note),
    ]


def _arrow(old: Any, new: Any, width: int = 40) -> str:
    if old is None:
        return f"+ {fmt_value(new, width)}"
    if new is None:
        return f"- {fmt_value(old, width)}"
    left, right = fmt_pair(old, new, width)
    return f"{left} → {right}"


def group_title(group: dict[str, Any]) -> str:
    """``v1 pattern → v2 pattern`` (one side only for added/removed leaves)."""
    left, right = group.get("v1_pattern"), group.get("v2_pattern")
    if left and right:
        return left if left == right else f"{left} → {right}"
    return left or right or ""


def group_facts(group: dict[str, Any]) -> str:
    """Rule, variable (and label), note, accepted/new counts: one line of plain text."""
    parts = []
    if group.get("rule"):
        more = len(group.get("other_rules") or ())
        parts.append(f"rule {group['rule']}" + (f" (+{more})" if more else ""))
    if group.get("variable"):
        label = f" ({group['label']})" if group.get("label") else ""
        parts.append(f"variable {group['variable']}{label}")
    if group.get("accepted"):
        parts.append(f"{group['accepted']} accepted")
    if group.get("new"):
        parts.append(f"{group['new']} new")
    if group.get("note"):
        parts.append(group["note"])
    return " · ".join(parts)


def _wrap(text: str, width: int, indent: str) -> list[str]:
    return textwrap.wrap(
        text,
        width,
        initial_indent=indent,
        subsequent_indent=indent + "  ",
        break_long_words=True,
        break_on_hyphens=False,
    ) or [indent]


def _group_lines(data: dict[str, Any], width: int) -> list[str]:
    groups = data.get("groups") or []
    if not groups:
        return ["", no_changes_line(data["summary"])]
    leaves = sum(g["leaves"] for g in groups)
    lines = [
        "",
        f"{len(groups)} element changes ({leaves} leaves); per-leaf records: --detail or --json",
        "",
        f"  {'kind':9s} {'leaves':>6s} {'res.':>5s}  element (v1 → v2)",
    ]
    body = max(40, width - 26)
    for g in groups:
        title = _wrap(for_terminal(group_title(g)), body, "")
        lines.append(f"  {g['kind']:9s} {g['leaves']:>6d} {g['resources']:>5d}  {title[0]}")
        lines += [" " * 26 + t for t in title[1:]]
        facts = for_terminal(group_facts(g))
        if facts:
            lines += _wrap(facts, width - 4, " " * 26)
        for e in g.get("examples", []):
            example = f"e.g. {_arrow(e['old'], e['new'])}  ({e['resource']})"
            lines += _wrap(for_terminal(example), width - 4, " " * 26)
    return lines


def resource_table(
    summary: dict[str, Any],
    resource: dict[str, Any],
    width: int,
    color: bool,
    keep: Any = None,
) -> list[str]:
    """One resource's aligned lines, one per listed record (``keep`` filters the records);
    none when no record is listed."""
    titles = ["kind", *headers(summary), "rule / variable"]
    path_cap = max(24, min(_CAPS[1], (width - 90) // 2))
    caps = (_CAPS[0], path_cap, path_cap, _CAPS[3], _CAPS[4])
    rows = [
        _row_cells(c, caps)
        for c in resource["changes"]
        if shown(summary, c) and (keep is None or keep(c))
    ]
    if not rows:
        return []
    widths = [
        min(cap, max(len(titles[n]), *(len(r[n]) for r in rows))) for n, cap in enumerate(caps)
    ]
    lines = ["", for_terminal(_title(resource))]
    table = [titles, *rows]
    for n, cells in enumerate(table):
        text = "  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=False))
        text = f"  {text}  {cells[-1]}".rstrip()
        if color and n and cells[0] in _COLORS:
            text = text.replace(cells[0], f"{_COLORS[cells[0]]}{cells[0]}\x1b[0m", 1)
        lines.append(text)
    return lines


def is_new(change: dict[str, Any]) -> bool:
    return bool(change.get("new"))


def text_head(data: dict[str, Any], *, width: int, detail: bool) -> str:
    """Everything of the text report before the per-resource records.

    Against a baseline: one summary line (the new records follow, a CI log). Otherwise the
    summary, the grouped view and, with ``detail``, the title of the records that follow.
    Paths longer than their column are cut in the middle with a ``…`` marker, so values stay
    in columns.
    """
    summary = data["summary"]
    if "baseline" in summary:
        line = (
            f"diff: {summary['resources']} resources, {summary.get('new', 0)} records not in "
            f"baseline {summary['baseline']}"
        )
        return for_terminal(line)
    lines = [for_terminal(line) for line in summary_lines(data)]
    lines += _group_lines(data, width)
    if detail:
        lines += ["", "Records:"]
    return "\n".join(lines)


_MD_WIDTH = 120  # characters of a value in a Markdown table cell


def _md(text: Any, width: int = _MD_WIDTH) -> str:
    return for_markdown(fmt_value(text, width))


def markdown_head(data: dict[str, Any]) -> str:
    """GitHub-flavoured Markdown: a summary list and the grouped view as a table (with
    ``--detail``, :func:`markdown_resource` tables follow, one per resource)."""
    out = ["# bbmigrate diff", ""]
    out += [f"- {_md(line, 400)}" for line in summary_lines(data)]
    groups = data.get("groups") or []
    out += ["", "## Changes by element", ""]
    if not groups:
        out.append(_md(no_changes_line(data["summary"]), 400))
    else:
        out.append(
            "| kind | element (v1 → v2) | leaves | resources | rule | variable | note | examples |"
        )
        out.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for g in groups:
            examples = "; ".join(
                f"{_md(_arrow(e['old'], e['new']))} ({_md(e['resource'])})"
                for e in g.get("examples", [])
            )
            variable = g.get("variable") or ""
            if variable and g.get("label"):
                variable = f"{variable} ({g['label']})"
            cells = (
                _md(g["kind"]),
                _md(group_title(g), 300),
                str(g["leaves"]),
                str(g["resources"]),
                _md(g.get("rule")),
                _md(variable),
                _md(g.get("note"), 300),
                examples,
            )
            out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def markdown_resource(summary: dict[str, Any], resource: dict[str, Any]) -> list[str]:
    """One resource's Markdown section: its title and a table of its listed records."""
    rows = [c for c in resource["changes"] if shown(summary, c)]
    out = ["", f"## {_md(_title(resource), 400)}", ""]
    if not rows:
        out.append("No differences.")
        return out
    out.append(f"| kind | {' | '.join(headers(summary))} | rule | variable | note |")
    out.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for c in rows:
        v1_value = c.get("mapped_value") if c.get("mapped_path") else c["v1_value"]
        paths = (c["kind"], c["v1_path"] or c.get("mapped_path"), c["v2_path"])
        notes = (c.get("rule"), c.get("variable"), _flags(c))
        values = fmt_pair(v1_value, c["v2_value"], _MD_WIDTH)
        cells = [*map(_md, paths), *map(for_markdown, values), *map(_md, notes)]
        out.append("| " + " | ".join(cells) + " |")
    return out
