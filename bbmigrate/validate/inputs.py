"""Turn the validate INPUT (file, Bundle, NDJSON, folder, fetch output) into resources.

Each resource comes with a ``source`` naming where it was read (``file``, ``file:line`` for
NDJSON, ``file#entry[3]`` for Bundle entries), so every finding points back to its input.

``iter_units`` is the same reading one step earlier, for ``validate --jobs``: an NDJSON line is
handed on as its raw bytes, so that the worker that validates it also parses it
(``resources_of``) and the parent process, which no number of workers speeds up, only splits
lines. ``iter_resources`` is ``resources_of`` applied to every unit: one reader for both.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..bundles import bundle_entries
from ..errors import InputError
from ..jsonio import JSON_SUFFIXES, is_gzip, is_ndjson, lines, loads, open_ndjson, read_json

Located = tuple[Mapping[str, Any], str]
# A parsed resource, or one NDJSON line not parsed yet (bytes), with where it was read.
Unit = tuple["Mapping[str, Any] | bytes", str]


def _from_document(doc: Any, where: str, *, strict: bool) -> Iterator[Located]:
    if not isinstance(doc, Mapping) or not isinstance(doc.get("resourceType"), str):
        if strict:
            raise InputError("not a FHIR resource (no resourceType)", where=where)
        return
    if doc["resourceType"] == "Bundle":
        for index, entry in enumerate(bundle_entries(doc, where=where)):
            resource = entry.get("resource") if isinstance(entry, Mapping) else None
            here = f"{where}#entry[{index}]"
            if isinstance(resource, Mapping) and isinstance(resource.get("resourceType"), str):
                yield from _from_document(resource, here, strict=True)
            elif isinstance(resource, Mapping):
                yield resource, here  # the validator reports its missing resourceType
            else:
                # Not a resource: validate the entry inside its Bundle, so that the R4 rules
                # report what is wrong with it (one finding per entry, never a silent skip).
                # (A missing Bundle.type is the envelope's fault, not this entry's.)
                shell = {"resourceType": "Bundle", "type": doc.get("type") or "collection"}
                yield {**shell, "entry": [entry]}, here
        return
    yield doc, where


def _from_file(path: Path, *, strict: bool) -> Iterator[Unit]:
    if is_ndjson(path):
        with open_ndjson(path) as stream:
            for number, line in enumerate(lines(stream, where=str(path)), start=1):
                if line.strip():
                    yield line, f"{path}:{number}"
        return
    yield from _from_document(read_json(path), str(path), strict=strict)


def resources_of(unit: Unit) -> Iterator[Located]:
    """The resources of one unit: an NDJSON line is parsed here (a Bundle line gives several)."""
    data, where = unit
    if isinstance(data, bytes):
        yield from _from_document(loads(data, where=where), where, strict=True)
    else:
        yield data, where


def _folder_files(folder: Path) -> list[Path]:
    """JSON/NDJSON files under ``folder``; where a ``v2/`` sits beside ``v1/``, only ``v2``."""
    files: list[Path] = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            if entry.name == "v1" and (folder / "v2").is_dir():
                continue  # fetch output: v1 is STU3, not what this validator checks
            files.extend(_folder_files(entry))
        elif entry.suffix.lower() in JSON_SUFFIXES or is_ndjson(entry):
            files.append(entry)
    return files


def iter_resources(source: str | Path) -> Iterator[Located]:
    """Yield ``(resource, source)`` for every FHIR resource in the input."""
    for unit in iter_units(source):
        yield from resources_of(unit)


def input_bytes(source: str | Path) -> int | None:
    """The size in bytes of the files the input reads, ``None`` for stdin or a missing path:
    what ``validate --jobs`` sizes its chunks from."""
    path = Path(source)
    if str(source) == "-" or not path.exists():
        return None
    files = _folder_files(path) if path.is_dir() else [path]
    if any(is_gzip(f) for f in files):
        return None  # the compressed size says little of the work: chunks of a fixed size
    return sum(f.stat().st_size for f in files) or None


def iter_units(source: str | Path) -> Iterator[Unit]:
    """Like :func:`iter_resources`, with NDJSON lines left unparsed (see the module docstring)."""
    if str(source) == "-":
        yield from _from_document(read_json("-"), "<stdin>", strict=True)
        return
    path = Path(source)
    if path.is_dir():
        files = _folder_files(path)
        if not files:
            raise InputError("folder holds no .json or .ndjson files", where=str(path))
        for file in files:
            # Inside a folder, non-FHIR JSON (userinfo.json, index.json) is skipped, not fatal.
            yield from _from_file(file, strict=False)
        return
    if not path.exists():
        raise InputError("no such file or folder", where=str(path))
    yield from _from_file(path, strict=True)
