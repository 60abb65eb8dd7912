"""Map files: one resource, a Bundle, NDJSON (streamed, optionally gzip), a folder, or stdin.

The output mirrors the input's shape. Every output is written atomically, so a failure leaves
no half-written file; a folder is one job, staged in a temporary sibling folder and renamed into
place at the end, so a failure (or a signal) leaves no output folder at all. Errors name the
input and the position (Bundle entry, NDJSON line); with ``keep_going`` the failing resources
are skipped and reported instead. NDJSON is mapped in chunks, in worker processes when
``workers`` > 1 (:mod:`.parallel`), with the same output as one process.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from .. import jsonio
from ..bundles import bundle_entries
from ..errors import BBMigrateError, InputError, OutputError
from ..jsonio import is_gzip, is_ndjson, open_ndjson
from .engine import map_resource, unmapped
from .loader import load_mappings
from .model import MappingSet
from .ndjson import gzip_member
from .parallel import PARALLEL_BYTES, ChunkMapper, available_cores

Tick = Callable[[int], None]


@dataclass
class MapReport:
    """What a run did: resources mapped, failures (with positions) and unmapped v1 leaves."""

    mapped: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)
    unmapped: list[dict[str, str]] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)  # per input file of a folder
    workers: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "mapped": self.mapped,
            "failed": len(self.failures),
            "failures": self.failures,
            "unmapped": self.unmapped,
            "outputs": self.outputs,
            "skipped": self.skipped,
            "files": self.files,
            "workers": self.workers,
        }


class Runner:
    def __init__(
        self,
        mapping: MappingSet,
        *,
        keep_going: bool,
        list_unmapped: bool,
        tick: Tick | None,
    ) -> None:
        self.mapping = mapping
        self.keep_going = keep_going
        self.list_unmapped = list_unmapped
        self.tick = tick or (lambda _: None)
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
        self.tick(1)
        return out

    def _bundle(self, bundle: dict, where: str) -> dict:
        entries = bundle_entries(bundle, where=where)
        shell = {k: v for k, v in bundle.items() if k != "entry"}
        if self.list_unmapped:
            for path in unmapped(shell, mappings=self.mapping):
                self.report.unmapped.append({"where": where, "path": path})
        out = map_resource(shell, mappings=self.mapping)
        mapped_entries = []
        for index, entry in enumerate(entries):
            here = f"{where}: entry[{index}]"
            if not isinstance(entry, dict) or "resource" not in entry:
                self.fail(InputError("Bundle entry without a resource", where=here))
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

    def fail(self, exc: BBMigrateError) -> None:
        if not self.keep_going:
            raise exc
        self.report.failures.append({"where": exc.where or "", "error": exc.message})


def _rewrite_entry(entry: dict) -> dict:
    url = entry.get("fullUrl")
    if isinstance(url, str):
        entry["fullUrl"] = url.replace("/v1/fhir/", "/v2/fhir/")
    return entry


def map_file(
    source: str | Path,
    output: str | Path | None = None,
    *,
    mappings: MappingSet | None = None,
    keep_going: bool = False,
    list_unmapped: bool = False,
    tick: Tick | None = None,
    stdout: BinaryIO | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
) -> MapReport:
    """Map ``source`` (file, directory or ``-``) to ``output`` (same shape; stdout when None).

    ``workers``: processes for NDJSON inputs (None: every core when the NDJSON to map is
    large enough to pay for starting them, else 1). ``scheduler``: the address of a Dask
    scheduler whose workers map the NDJSON instead (:mod:`.cluster`). The output depends on
    neither.
    """
    runner = Runner(
        mappings or load_mappings(), keep_going=keep_going, list_unmapped=list_unmapped, tick=tick
    )
    write = not list_unmapped
    out_stream = stdout or sys.stdout.buffer
    src = str(source)
    if src != "-" and Path(src).is_dir():
        if write and output is None:
            raise InputError("a directory input needs -o OUTPUT_DIR", where=src)
        _map_dir(Path(src), Path(output) if output else None, runner, write, workers, scheduler)
        return runner.report
    where = "<stdin>" if src == "-" else src
    if src == "-":
        data = sys.stdin.buffer.read()
        ndjson = _looks_ndjson(data)
        stream: BinaryIO = io.BytesIO(data)
    else:
        if not Path(src).is_file():
            raise InputError("no such file", where=src)
        ndjson = is_ndjson(src)
        # closed below; NDJSON is streamed line by line
        stream = open_ndjson(src) if ndjson else jsonio.open_input(src)
    try:
        if ndjson:
            count = _workers(workers, [Path(src)] if src != "-" else [])
            with _mapper(runner, count, scheduler) as mapper:
                _map_ndjson(stream, where, output, out_stream, runner, mapper, require=True)
            if write and output is not None:
                runner.report.outputs.append(str(output))
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


def _require_resources(runner: Runner, where: str) -> None:
    """An input that held no resource at all is bad input, not an empty success."""
    if runner.report.mapped == 0 and not runner.report.failures:
        raise InputError("no FHIR resources found", where=where)


def _mapper(runner: Runner, workers: int, scheduler: str | None) -> Any:
    """Where chunks are mapped: here, in ``workers`` processes, or on a Dask cluster."""
    options = {"keep_going": runner.keep_going, "list_unmapped": runner.list_unmapped}
    if scheduler is not None:
        from .cluster import ClusterMapper  # Dask is an optional extra

        mapper: Any = ClusterMapper(runner.mapping, scheduler=scheduler, **options)
    else:
        mapper = ChunkMapper(runner.mapping, workers=workers, **options)
    runner.report.workers = mapper.workers
    return mapper


def _workers(asked: int | None, inputs: list[Path]) -> int:
    """``asked``, or every core when the NDJSON inputs are large enough to pay off."""
    if asked is not None:
        return max(1, asked)
    size = sum(p.stat().st_size for p in inputs if is_ndjson(p.name))
    return available_cores() if size >= PARALLEL_BYTES else 1


def _looks_ndjson(data: bytes) -> bool:
    lines = [line for line in data.splitlines() if line.strip()]
    if len(lines) < 2:
        return False
    try:
        jsonio.loads(lines[0], where="<stdin>:1")
    except InputError:
        return False
    return True


def _map_ndjson(
    stream: BinaryIO,
    where: str,
    output: str | Path | None,
    out_stream: BinaryIO,
    runner: Runner,
    mapper: ChunkMapper,
    *,
    require: bool = False,
) -> dict[str, Any]:
    """Map one NDJSON stream chunk by chunk into ``output`` (atomically), or ``out_stream``.

    ``require``: a stream without a single resource is an InputError, raised before the output
    is committed (the atomic writer then discards its temporary file).
    """
    report = runner.report
    before = (report.mapped, len(report.failures))

    gz = output is not None and is_gzip(str(output))

    def results(sink: BinaryIO | None, parts: str | None = None) -> None:
        written = False
        for result in mapper.map(mapper.chunks(stream, where, gz_out=gz, parts=parts)):
            result.raise_error()
            if result.write_to(sink) and sink is not None:
                written = True
            report.mapped += result.mapped
            report.failures += result.failures
            report.unmapped += result.unmapped
            runner.tick(result.mapped)
        if require:
            _require_resources(runner, where)
        if gz and sink is not None and not written:
            sink.write(gzip_member(b""))  # an empty .gz is still a gzip file

    if runner.list_unmapped:
        results(None)
    elif output is None:
        results(out_stream)
    else:
        with jsonio.atomic_writer(output) as handle, _parts_beside(output, mapper) as parts:
            results(handle, parts)
    return {
        "input": where,
        "output": None if output is None or runner.list_unmapped else str(output),
        "mapped": report.mapped - before[0],
        "failed": len(report.failures) - before[1],
    }


@contextlib.contextmanager
def _parts_beside(output: str | Path, mapper: Any) -> Iterator[str | None]:
    """A private folder beside ``output`` for the workers' part files (none without workers),
    removed at the end, on a failure and on SIGTERM/SIGHUP."""
    if not mapper.writes_parts:
        yield None
        return
    target = Path(output)
    try:
        folder = tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".parts", dir=target.parent)
    except OSError as exc:
        raise OutputError(exc.strerror or str(exc), where=str(target)) from None
    try:
        with jsonio.removed_on_signal(folder):
            yield folder
    except BaseException:
        mapper.close(failed=True)  # first stop every worker that could still write in it
        raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _map_dir(
    src: Path,
    out: Path | None,
    runner: Runner,
    write: bool,
    workers: int | None,
    scheduler: str | None,
) -> None:
    """Map every JSON / NDJSON file under ``src`` as one job: all of it lands, or none."""
    files = sorted(
        p
        for p in src.rglob("*")
        # a dangling symlink is listed too, so that reading it reports it
        if (p.is_file() or p.is_symlink()) and (p.suffix == ".json" or is_ndjson(p.name))
    )
    count = _workers(workers, files)
    stage = None
    if write and out is not None:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
            # mkdtemp makes it private; once renamed it is the output folder, made as mkdir would
            shared = jsonio.shared_mode()
            os.chmod(stage, shared | (shared & 0o444) >> 2)  # searchable where readable
        except OSError as exc:
            raise OutputError(exc.strerror or str(exc), where=str(out)) from None
    try:
        with _staged(stage), _mapper(runner, count, scheduler) as mapper:
            for path in files:
                rel = path.relative_to(src)
                target = stage / rel if stage is not None else None
                summary = _map_one_file(path, target, runner, mapper, write)
                if summary is not None:
                    summary["output"] = str(out / rel) if summary["output"] else None
                    runner.report.files.append(summary)
            _require_resources(runner, str(src))
        if stage is not None and out is not None:
            runner.report.outputs += _publish(stage, out)
    finally:
        if stage is not None and stage.exists():
            shutil.rmtree(stage, ignore_errors=True)


def _staged(stage: Path | None) -> contextlib.AbstractContextManager[None]:
    """The staging folder is removed if SIGTERM/SIGHUP ends the process while it exists."""
    return contextlib.nullcontext() if stage is None else jsonio.removed_on_signal(stage)


def _map_one_file(
    path: Path, target: Path | None, runner: Runner, mapper: ChunkMapper, write: bool
) -> dict[str, Any] | None:
    if is_ndjson(path.name):
        with open_ndjson(path) as stream:
            return _map_ndjson(stream, str(path), target, sys.stdout.buffer, runner, mapper)
    report = runner.report
    before = (report.mapped, len(report.failures))
    try:
        document = jsonio.read_json(path)
    except InputError as exc:
        runner.fail(exc)
        return {"input": str(path), "output": None, "mapped": 0, "failed": 1}
    if isinstance(document, dict) and "resourceType" not in document:
        # A folder may hold other JSON beside the resources (a fetch's userinfo.json).
        report.skipped.append(str(path))
        return None
    result = runner.one(document, str(path))
    written = write and result is not None and target is not None
    if written:
        jsonio.write_json_atomic(target, result)
    return {
        "input": str(path),
        "output": str(target) if written else None,
        "mapped": report.mapped - before[0],
        "failed": len(report.failures) - before[1],
    }


def _publish(stage: Path, out: Path) -> list[str]:
    """Move the staged outputs into ``out``: one rename when ``out`` does not exist yet."""
    staged = sorted(p.relative_to(stage) for p in stage.rglob("*") if p.is_file())
    try:
        if not out.exists():
            os.rename(stage, out)
        else:  # an existing folder keeps its other files; ours replace theirs one by one
            for rel in staged:
                (out / rel).parent.mkdir(parents=True, exist_ok=True)
                os.replace(stage / rel, out / rel)
    except OSError as exc:
        raise OutputError(exc.strerror or str(exc), where=str(out)) from None
    return [str(out / rel) for rel in staged]
