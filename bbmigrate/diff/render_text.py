"""Text and Markdown renderings of a diff report (both read the report's JSON form).

Both list the differences only — ``same`` / ``reproduced`` records are counted in the summary
but not listed unless ``--only`` asks for them — so that a terminal shows what needs attention.
"""

from __future__ import annotations

from typing import Any

from ..escaping import for_markdown, for_terminal

QUIET_KINDS = frozenset({"same", "reproduced"})
VALUE_WIDTH = 60


def shown(data: dict[str, Any], change: dict[str, Any]) -> bool:
    """Whether a record is listed: differences always, sames only when ``--only`` names them."""
    return change["kind"] not in QUIET_KINDS or change["kind"] in data["summary"].get("only", ())


def headers(data: dict[str, Any]) -> tuple[str, str, str, str]:
    """Column titles: in a ``--mapped`` report the left side is the mapped v1."""
    if data["summary"]["mode"] == "mapped":
        return ("v1 path ⇒ mapped path", "v2 path", "mapped value", "v2 value")
    return ("v1 path", "v2 path", "v1 value", "v2 value")


def fmt_value(value: Any, width: int = VALUE_WIDTH) -> str:
    if value is None:
        return ""
    text = for_terminal(value if isinstance(value, str) else repr(value))
    return text if len(text) <= width else text[: width - 1] + "…"


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
        extra.append(f"{s['ignored']} ignored by {', '.join(s['ignore_paths'])}")
    if s.get("accepted"):
        extra.append(f"{s['accepted']} accepted")
    if "new" in s:
        extra.append(f"{s['new']} new against baseline {s['baseline']}")
    if extra:
        lines.append("; ".join(extra))
    if "fidelity" in s:
        f = s["fidelity"]
        lines.append(f"fidelity: recall {f['recall']:.3f}, precision {f['precision']:.3f}")
    return lines


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


def _row_cells(c: dict[str, Any]) -> list[str]:
    v1_path = c["v1_path"] or ""
    if c.get("mapped_path"):
        v1_path = f"{v1_path} ⇒ {c['mapped_path']}" if v1_path else f"⇒ {c['mapped_path']}"
    v1_value = c.get("mapped_value") if c.get("mapped_path") else c["v1_value"]
    note = " ".join(x for x in (c.get("rule"), c.get("variable"), _flags(c)) if x)
    return [
        for_terminal(c["kind"]),
        for_terminal(v1_path),
        for_terminal(c["v2_path"] or ""),
        fmt_value(v1_value, _CAPS[3]),
        fmt_value(c["v2_value"], _CAPS[4]),
        for_terminal(note),
    ]


def render_text(data: dict[str, Any], *, width: int = 160, color: bool = False) -> str:
    """The summary, then per resource one aligned line per listed record.

    Plain columns rather than a drawn table: a beneficiary has thousands of records, and a
    terminal table library takes seconds to lay them out. ``width`` caps the path columns.
    """
    lines = [for_terminal(line) for line in summary_lines(data)]
    titles = ["kind", *headers(data), "rule / variable"]
    path_cap = max(24, min(_CAPS[1], (width - 90) // 2))
    caps = (_CAPS[0], path_cap, path_cap, _CAPS[3], _CAPS[4])
    for resource in data["resources"]:
        rows = [_row_cells(c) for c in resource["changes"] if shown(data, c)]
        if not rows:
            continue
        widths = [
            min(cap, max(len(titles[n]), *(len(r[n]) for r in rows))) for n, cap in enumerate(caps)
        ]
        lines += ["", for_terminal(_title(resource))]
        table = [titles, *rows]
        for n, cells in enumerate(table):
            text = "  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=False))
            text = f"  {text}  {cells[-1]}".rstrip()
            if color and n and cells[0] in _COLORS:
                text = text.replace(cells[0], f"{_COLORS[cells[0]]}{cells[0]}\x1b[0m", 1)
            lines.append(text)
    return "\n".join(lines) + "\n"


def _md(text: Any) -> str:
    return for_markdown(fmt_value(text, 120))


def render_markdown(data: dict[str, Any]) -> str:
    """GitHub-flavoured Markdown: a summary list, then one table per resource."""
    out = ["# bbmigrate diff", ""]
    out += [f"- {_md(line)}" for line in summary_lines(data)]
    for resource in data["resources"]:
        rows = [c for c in resource["changes"] if shown(data, c)]
        out += ["", f"## {_md(_title(resource))}", ""]
        if not rows:
            out.append("No differences.")
            continue
        out.append(f"| kind | {' | '.join(headers(data))} | rule | variable | note |")
        out.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for c in rows:
            v1_value = c.get("mapped_value") if c.get("mapped_path") else c["v1_value"]
            cells = (
                c["kind"],
                c["v1_path"] or c.get("mapped_path"),
                c["v2_path"],
                v1_value,
                c["v2_value"],
                c.get("rule"),
                c.get("variable"),
                _flags(c),
            )
            out.append("| " + " | ".join(_md(x) for x in cells) + " |")
    return "\n".join(out) + "\n"
