"""Load the two sides of a diff and pair their resources by type and id.

A side is a resource file, a Bundle (its entries are the resources; the envelope — id, links,
total — is transport and is not compared), an NDJSON file (one resource per line), or a folder
(every ``*.json`` / ``*.ndjson`` in it). A folder holding ``v1/`` and ``v2/`` — the fetch-output and
``samples/<id>/`` layout — is both sides at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..jsonio import NDJSON_SUFFIXES, iter_ndjson, read_json

Resources = dict[tuple[str, str], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Pair:
    """A resource type and id with its v1 and v2 forms (either may be None)."""

    resource_type: str
    id: str
    v1: dict[str, Any] | None
    v2: dict[str, Any] | None


def _add(out: Resources, resource: Any, where: str, *, strict: bool) -> None:
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        if strict:
            raise InputError("not a FHIR resource (no resourceType)", where=where)
        return
    if resource["resourceType"] == "Bundle":
        for index, entry in enumerate(resource.get("entry") or []):
            if not isinstance(entry, dict) or "resource" not in entry:
                raise InputError(f"entry[{index}] has no resource", where=where)
            _add(out, entry["resource"], f"{where}: entry[{index}]", strict=True)
        return
    rid = resource.get("id")
    if not isinstance(rid, str) or not rid:
        if not strict:
            return
        raise InputError(f"{resource['resourceType']} has no id to pair it by", where=where)
    key = (resource["resourceType"], rid)
    if key in out and out[key] != resource:
        raise InputError(f"{key[0]}/{key[1]} appears twice with different content", where=where)
    out[key] = resource


def _load_file(path: Path, out: Resources, *, strict: bool) -> None:
    if path.suffix.lower() in NDJSON_SUFFIXES:
        try:
            with path.open("rb") as stream:
                for number, doc in iter_ndjson(stream, where=str(path)):
                    _add(out, doc, f"{path}:{number}", strict=True)
        except OSError as exc:
            raise InputError(exc.strerror or str(exc), where=str(path)) from None
        return
    _add(out, read_json(path), str(path), strict=strict)


def load_side(path: str | Path) -> Resources:
    """All resources of one side, keyed by ``(resourceType, id)``.

    In a folder, JSON documents that are not FHIR resources with an id (``userinfo.json``, a
    CapabilityStatement) are skipped; a file named explicitly must be one.
    """
    target = Path(path)
    out: Resources = {}
    if target.is_dir():
        files = sorted(
            p
            for p in target.iterdir()
            # a dangling symlink is listed too, so that reading it reports it
            if (p.is_file() or p.is_symlink()) and p.suffix.lower() in (".json", ".ndjson")
        )
        if not files:
            raise InputError("folder holds no .json or .ndjson file", where=str(target))
        for file in files:
            _load_file(file, out, strict=False)
    elif target.exists():
        _load_file(target, out, strict=True)
    else:
        raise InputError("no such file or folder", where=str(target))
    return out


def resolve_sides(left: str | Path, right: str | Path | None) -> tuple[Path, Path]:
    """The two sides; with one folder argument, its ``v1/`` and ``v2/`` subfolders."""
    if right is not None:
        return Path(left), Path(right)
    base = Path(left)
    if not (base / "v1").is_dir() or not (base / "v2").is_dir():
        raise InputError(
            "expected a folder with v1/ and v2/ subfolders (or give RIGHT)", where=str(base)
        )
    return base / "v1", base / "v2"


_TYPE_ORDER = {"Patient": 0, "Coverage": 1, "ExplanationOfBenefit": 2}


def pair(v1: Resources, v2: Resources) -> list[Pair]:
    """Pair resources by ``(resourceType, id)``: Patient, Coverage, EOBs first, then by id."""
    keys = sorted(set(v1) | set(v2), key=lambda k: (_TYPE_ORDER.get(k[0], 9), k[0], k[1]))
    return [Pair(k[0], k[1], v1.get(k), v2.get(k)) for k in keys]


def load_pairs(left: str | Path, right: str | Path | None = None) -> tuple[list[Pair], str, str]:
    """Load both sides and pair them; also returns the side names for the report."""
    left_path, right_path = resolve_sides(left, right)
    pairs = pair(load_side(left_path), load_side(right_path))
    if not pairs:  # nothing to compare is bad input, not a clean diff
        raise InputError("no FHIR resources found on either side", where=str(left))
    return pairs, str(left_path), str(right_path)
