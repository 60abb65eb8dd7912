"""Map files: one resource, a Bundle, NDJSON (streamed), a directory of them, or stdin.

The output mirrors the input's shape. Every output is written atomically, so a failure leaves
no half-written file. Errors name the input and the position (Bundle entry, NDJSON line); with
``keep_going`` the failing resources are skipped and reported instead.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from .. import jsonio
from ..errors import BBMigrateError, InputError
from .engine import map_resource, unmapped
from .loader import load_mappings
from .model import MappingSet

NDJSON = jsonio.NDJSON_SUFFIXES


@dataclass
class MapReport:
    """What a run did: resources mapped, failures (with positions) and unmapped v1 leaves."""

    mapped: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)
    unmapped: list[dict[str, str]] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mapped": self.mapped,
            "failed": len(self.failures),
            "failures": self.failures,
            "unmapped": self.unmapped,
            "outputs": self.outputs,
            "skipped": self.skipped,
        }


class _Runner:
    def __init__(
        self,
        mapping: MappingSet,
        *,
        keep_going: bool,
        list_unmapped: bool,
        tick: Callable[[], None] | None,
    ) -> None:
        self.mapping = mapping
        self.keep_going = keep_going
        self.list_unmapped = list_unmapped
        self.tick = tick or (lambda: None)
        self.report = MapReport()

    def one(self, resource: Any, where: str) -> Any | None:
        """Map one resource (a Bundle's entries one by one); None when it failed and we go on."""
        try:
            if isinstance(resource, dict) and resource.get("resourceType") == "Bundle":
                out = self._bundle(resource, where)
            else:
                out = self._single(resource, where)
        except BBMigrateError as exc:
            if not self.keep_going:
                raise
            self.report.failures.append({"where": where, "error": exc.message})
            return None
        return out

    def _single(self, resource: Any, where: str) -> Any:
        try:
            if self.list_unmapped:
                for path in unmapped(resource, mappings=self.mapping):
                    self.report.unmapped.append({"where": where, "path": path})
            out = map_resource(resource, mappings=self.mapping)
        except BBMigrateError as exc:
            exc.where = f"{where}: {exc.where}" if exc.where else where
            raise
        self.report.mapped += 1
        self.tick()
        return out

    def _bundle(self, bundle: dict, where: str) -> dict:
        entries = bundle.get("entry") or []
        shell = {k: v for k, v in bundle.items() if k != "entry"}
        if self.list_unmapped:
            for path in unmapped(shell, mappings=self.mapping):
                self.report.unmapped.append({"where": where, "path": path})
        out = map_resource(shell, mappings=self.mapping)
        mapped_entries = []
        for index, entry in enumerate(entries):
            here = f"{where}: entry[{index}]"
            if not isinstance(entry, dict) or "resource" not in entry:
                self._fail(InputError("Bundle entry without a resource", where=here))
                continue
            resource = self.one(entry["resource"], here)
            if resource is None:
                continue
            new_entry = {k: v for k, v in entry.items() if k != "resource"}
            new_entry = _rewrite_entry(new_entry)
            new_entry["resource"] = resource
            mapped_entries.append(new_entry)
        if mapped_entries:
            out["entry"] = mapped_entries
        return out

    def _fail(self, exc: BBMigrateError) -> None:
        if not self.keep_going:
            raise exc
        self.report.failures.append({"where": exc.where or "", "error": exc.message})


def _rewrite_entry(entry: dict) -> dict:
    url = entry.get("fullUrl")
    if isinstance(url, str):
        entry["fullUrl"] = url.replace("/v1/fhir/", "/v2/fhir/")
    return entry


def _is_ndjson(name: str) -> bool:
    return name.endswith(NDJSON)


def _ndjson(stream: BinaryIO, where: str, runner: _Runner) -> Iterator[bytes]:
    for number, resource in _iter_lines(stream, where, runner):
        out = runner.one(resource, f"{where}:{number}")
        if out is not None:
            yield jsonio.dumps(out, pretty=False) + b"\n"


def _iter_lines(stream: BinaryIO, where: str, runner: _Runner):
    number = 0
    for number, line in enumerate(jsonio.lines(stream, where=where), start=1):
        if not line.strip():
            continue
        try:
            yield number, jsonio.loads(line, where=f"{where}:{number}")
        except InputError as exc:
            runner._fail(exc)


def map_file(
    source: str | Path,
    output: str | Path | None = None,
    *,
    mappings: MappingSet | None = None,
    keep_going: bool = False,
    list_unmapped: bool = False,
    tick: Callable[[], None] | None = None,
    stdout: BinaryIO | None = None,
) -> MapReport:
    """Map ``source`` (file, directory or ``-``) to ``output`` (same shape; stdout when None)."""
    runner = _Runner(
        mappings or load_mappings(), keep_going=keep_going, list_unmapped=list_unmapped, tick=tick
    )
    write = not list_unmapped
    out_stream = stdout or sys.stdout.buffer
    src = str(source)
    if src != "-" and Path(src).is_dir():
        if write and output is None:
            raise InputError("a directory input needs -o OUTPUT_DIR", where=src)
        _map_dir(Path(src), Path(output) if output else None, runner, write)
        _require_resources(runner, src)
        return runner.report
    where = "<stdin>" if src == "-" else src
    if src == "-":
        data = sys.stdin.buffer.read()
        ndjson = _looks_ndjson(data)
        stream: BinaryIO = io.BytesIO(data)
    else:
        if not Path(src).is_file():
            raise InputError("no such file", where=src)
        ndjson = _is_ndjson(src)
        stream = jsonio.open_input(src)  # closed below, streamed line by line
    try:
        if ndjson:
            _emit_lines(
                _resources_in(_ndjson(stream, where, runner), runner, where),
                output,
                out_stream,
                write,
            )
        else:
            document = jsonio.loads(jsonio.read_stream(stream, where=where), where=where)
            result = runner.one(document, where)
            _require_resources(runner, where)
            if write and result is not None:
                if output is None:
                    out_stream.write(jsonio.dumps(result) + b"\n")
                else:
                    jsonio.write_json_atomic(output, result)
                    runner.report.outputs.append(str(output))
    finally:
        stream.close()
    return runner.report


def _require_resources(runner: _Runner, where: str) -> None:
    """An input that held no resource at all is bad input, not an empty success."""
    if runner.report.mapped == 0 and not runner.report.failures:
        raise InputError("no FHIR resources found", where=where)


def _resources_in(lines: Iterator[bytes], runner: _Runner, where: str) -> Iterator[bytes]:
    # checked before the output is committed: the atomic writer then discards its temporary file
    yield from lines
    _require_resources(runner, where)


def _looks_ndjson(data: bytes) -> bool:
    lines = [line for line in data.splitlines() if line.strip()]
    if len(lines) < 2:
        return False
    try:
        jsonio.loads(lines[0], where="<stdin>:1")
    except InputError:
        return False
    return True


def _emit_lines(lines: Iterator[bytes], output, out_stream: BinaryIO, write: bool) -> None:
    if not write:
        for _ in lines:
            pass
        return
    if output is None:
        for line in lines:
            out_stream.write(line)
        return
    with jsonio.atomic_writer(output) as handle:
        for line in lines:
            handle.write(line)


def _map_dir(src: Path, out: Path | None, runner: _Runner, write: bool) -> None:
    files = sorted(
        p
        for p in src.rglob("*")
        # a dangling symlink is listed too, so that reading it reports it
        if (p.is_file() or p.is_symlink()) and (p.suffix == ".json" or _is_ndjson(p.name))
    )
    for path in files:
        rel = path.relative_to(src)
        target = out / rel if out is not None else None
        if _is_ndjson(path.name):
            with jsonio.open_input(path) as stream:
                _emit_lines(_ndjson(stream, str(path), runner), target, sys.stdout.buffer, write)
        else:
            try:
                document = jsonio.read_json(path)
            except InputError as exc:
                runner._fail(exc)
                continue
            if isinstance(document, dict) and "resourceType" not in document:
                # A folder may hold other JSON beside the resources (a fetch's userinfo.json).
                runner.report.skipped.append(str(path))
                continue
            result = runner.one(document, str(path))
            if write and result is not None and target is not None:
                jsonio.write_json_atomic(target, result)
        if write and target is not None:
            runner.report.outputs.append(str(target))
