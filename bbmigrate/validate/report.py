"""Validate a whole input and render the result as text, JSON, an Excel workbook or HTML."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..escaping import for_terminal
from ..jsonio import atomic_writer, dumps
from ..redact import Redactor
from .aggregate import Findings, ReportTally
from .findings import SEVERITIES, Finding, at_least
from .inputs import Located, Unit, input_bytes, iter_units, resources_of

if TYPE_CHECKING:  # this module also serves `validate --help` (FORMATS): no validator imports
    from .engine import Validator

REDACTED = "[redacted]"
FORMATS = ("text", "json", "xlsx", "html")


@dataclass
class Report:
    ig: str
    summary: dict
    stored: Findings | list[Finding]  # a list is kept as it is (a caller's own findings)
    must_support: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.stored, list):
            store = Findings()
            store.add(self.stored)
            self.stored = store

    @cached_property
    def findings(self) -> list[Finding]:
        assert isinstance(self.stored, Findings)
        return self.stored.items()

    def failed(self, threshold: str) -> bool:
        # From the counts: the findings of a --jobs run need not be decoded for this.
        counts = {"error": "errors", "warning": "warnings", "information": "information"}
        return any(self.summary[key] and at_least(s, threshold) for s, key in counts.items())

    def as_dict(self, *, must_support: bool = False, redact: bool = False) -> dict[str, Any]:
        return self._document(
            [_row(f, redact) for f in shown_findings(self.findings, redact)],
            must_support=must_support,
        )

    def _document(self, findings: list, *, must_support: bool) -> dict[str, Any]:
        doc: dict[str, Any] = {"summary": self.summary, "findings": findings}
        if must_support:
            doc["must_support"] = self.must_support
        return doc


def _row(finding: Finding, redact: bool) -> dict[str, Any]:
    row = finding.as_dict()
    row["value"] = shown_value(finding, redact)
    return row


def shown_findings(findings: list[Finding], redact: bool) -> list[Finding]:
    """The findings as reported: with ``redact``, resource ids become stable ``[ID-n]``
    placeholders wherever they appear, and sources keep only their file name, because the
    fetch layout names folders after the patient id."""
    if not redact:
        return findings
    redactor = Redactor()
    for f in findings:
        redactor.learn({"id": f.resource.rsplit("/", 1)[-1]})
    return [
        replace(
            f,
            resource=redactor.text(f.resource),
            path=redactor.text(f.path),
            message=redactor.text(f.message),
            source=redactor.text(Path(f.source).name) if f.source else f.source,
        )
        for f in findings
    ]


def shown_value(finding: Finding, redact: bool) -> Any:
    """The value as reported: with ``redact``, data values (which can be PHI) are hidden;
    counts and the value-set URLs of not-checked notes are not data and stay."""
    if redact and isinstance(finding.value, str) and finding.rule != "not-checked":
        return REDACTED
    return finding.value


def validate_resources(
    resources: Iterable[Located],
    validator: Validator,
    *,
    jobs: int = 1,
    wrap: Callable[[Iterator[Any]], Iterable[Any]] | None = None,
) -> Report:
    """Validate every resource, in ``jobs`` processes, streaming the input; ``wrap`` lets the
    CLI put a progress bar around the loop (one item per resource). Results keep the input
    order."""
    return _validate_units(resources, validator, jobs=jobs, wrap=wrap)


def _validate_units(
    units: Iterable[Unit],
    validator: Validator,
    *,
    jobs: int = 1,
    wrap: Callable[[Iterator[Any]], Iterable[Any]] | None = None,
    size: int | None = None,
) -> Report:
    tally = ReportTally(validator.profiles)
    if jobs > 1:
        from .parallel import validate_in_processes

        # One item per resource; a chunk's merged state comes with its first resource.
        merged = validate_in_processes(units, validator, jobs, size=size)
        for state in wrap(merged) if wrap else merged:
            if state is not None:
                tally.merge(state)
    else:
        # Lazily, so a large NDJSON input is never all in memory at once.
        results = (
            validator.validate(resource, source=where)
            for unit in units
            for resource, where in resources_of(unit)
        )
        for result in wrap(results) if wrap else results:
            tally.add(result)
    summary = tally.summary(validator.ig, validator.invariants is not None)
    return Report(validator.ig, summary, tally.findings, tally.must_support.report())


def validate_path(
    source: str | Path,
    validator: Validator,
    *,
    jobs: int = 1,
    wrap: Callable[[Iterator[Any]], Iterable[Any]] | None = None,
) -> Report:
    """Validate every resource of the input (see :func:`inputs.iter_resources`)."""
    size = input_bytes(source) if jobs > 1 else None
    return _validate_units(iter_units(source), validator, jobs=jobs, wrap=wrap, size=size)


# -- rendering -------------------------------------------------------------------------------
_DIGITS = re.compile(r"(\d+)")


def _natural(source: str | None) -> tuple:
    """``file#entry[2]`` before ``file#entry[10]``, ``f.ndjson:9`` before ``f.ndjson:10``."""
    parts = _DIGITS.split(source or "")
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))


def render_text(report: Report, *, must_support: bool = False, redact: bool = False) -> str:
    lines: list[str] = []
    current = None
    order = {name: rank for rank, name in enumerate(SEVERITIES)}
    findings = shown_findings(report.findings, redact)
    for f in sorted(findings, key=lambda f: (_natural(f.source), f.resource, order[f.severity])):
        if f.source != current:
            current = f.source
            lines.append(for_terminal(current))
        value = shown_value(f, redact)
        shown = f"  [{value}]" if value not in (None, "") and f.rule != "not-checked" else ""
        line = f"  {f.severity:<11} {f.resource}  {f.path}  ({f.rule}) {f.message}{shown}"
        lines.append(for_terminal(line))
    s = report.summary
    lines.append(
        f"CARIN {report.ig}: {s['resources']} resources, {s['errors']} errors, "
        f"{s['warnings']} warnings, {s['information']} information"
    )
    if must_support:
        lines.append("Must-support elements never populated (per profile, across all inputs):")
        for url, entry in report.must_support.items():
            lines.append(
                for_terminal(
                    f"  {url.rsplit('/', 1)[-1]}: {entry['present']}/{entry['must_support']} "
                    f"present in {entry['resources']} resource(s)"
                )
            )
            lines.extend(for_terminal(f"    - {element}") for element in entry["never_present"])
    return "\n".join(lines) + "\n"


def render(
    report: Report,
    fmt: str,
    *,
    must_support: bool = False,
    redact: bool = False,
    detail: bool = False,
) -> bytes:
    """The report in ``fmt``. xlsx and html lead with grouped findings; ``detail`` adds every
    finding (JSON always has them all; text lists them all)."""
    return b"".join(
        render_pieces(report, fmt, must_support=must_support, redact=redact, detail=detail)
    )


def render_pieces(
    report: Report,
    fmt: str,
    *,
    must_support: bool = False,
    redact: bool = False,
    detail: bool = False,
) -> list[bytes | memoryview]:
    """:func:`render` as pieces to be written one after another: a JSON report of many
    findings is never joined into one copy (~5 ms and 8 MB for 1,000 BB2 EOBs)."""
    if fmt == "json" and not redact:
        return _json(report, must_support=must_support)
    return [_render(report, fmt, must_support=must_support, redact=redact, detail=detail)]


def _render(report: Report, fmt: str, *, must_support: bool, redact: bool, detail: bool) -> bytes:
    if fmt == "json":
        return dumps(report.as_dict(must_support=must_support, redact=redact)) + b"\n"
    if fmt == "xlsx":
        from .report_xlsx import render_xlsx

        return render_xlsx(report, must_support=must_support, redact=redact, detail=detail)
    if fmt == "html":
        from .report_html import render_html

        return render_html(report, must_support=must_support, redact=redact, detail=detail)
    if fmt == "text":
        return render_text(report, must_support=must_support, redact=redact).encode()
    raise InputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def _json(report: Report, *, must_support: bool) -> list[bytes | memoryview]:
    """The unredacted JSON report, in pieces. Its rows are the findings' own fields: the
    findings' JSON items (``aggregate.Findings.json_items``: written by orjson straight from
    the dataclasses, or by the ``--jobs`` workers) go into the document in place of its empty
    array."""
    assert isinstance(report.stored, Findings)
    text = dumps(report._document([], must_support=must_support))
    items = report.stored.json_items()
    if not items:
        return [text, b"\n"]
    # The only top-level "findings" key: deeper keys are indented further.
    head, empty, tail = text.partition(b'\n  "findings": []')
    assert empty and b'\n  "findings": []' not in tail, "unexpected JSON layout"
    pieces: list[bytes | memoryview] = [head, b'\n  "findings": [\n']
    for item in items:
        pieces += [item, b",\n"]
    pieces[-1] = b"\n  ]"
    return [*pieces, tail, b"\n"]


def write_report(path: str | Path, data: bytes | Iterable[bytes | memoryview]) -> None:
    """Write a rendered report (bytes, or :func:`render_pieces`) atomically."""
    with atomic_writer(path) as handle:
        handle.writelines([data] if isinstance(data, bytes) else data)
