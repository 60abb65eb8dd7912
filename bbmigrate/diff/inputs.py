"""Load the two sides of a diff and pair their resources by type and id, lazily.

A side is a resource file, a Bundle (its entries are the resources; the envelope — id, links,
total — is transport and is not compared), an NDJSON file (one resource per line), or a folder
(every ``*.json`` / ``*.ndjson`` in it). A folder holding ``v1/`` and ``v2/`` — the fetch-output and
``samples/<id>/`` layout — is both sides at once.

Memory: a side is first *indexed* — every resource is read and checked once (so bad input is
refused before any output is written), and only where to find it again is kept: an NDJSON line's
byte offset and length, or a JSON file's resource as compact bytes. A pair's documents are parsed
again when the pair is diffed and dropped after, so a diff holds a few resources at a time, not
both whole sides (a single JSON Bundle is still parsed whole once, while it is indexed).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ..bundles import bundle_entries
from ..errors import InputError, OutputError
from ..jsonio import (
    NDJSON_SUFFIXES,
    input_error,
    is_gzip,
    is_ndjson,
    lines,
    loads,
    open_input,
    read_json,
)

Resources = dict[tuple[str, str], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Pair:
    """A resource type and id with its v1 and v2 forms (either may be None)."""

    resource_type: str
    id: str
    v1: dict[str, Any] | None
    v2: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Spot:
    """Where one resource is: an NDJSON line (``path``, ``offset``, ``length``) or, for a
    resource of a JSON file, its compact bytes (``data``)."""

    where: str
    path: str | None = None
    offset: int = 0
    length: int = 0
    data: bytes | None = None

    def read(self) -> dict[str, Any]:
        if self.data is not None:
            return orjson.loads(self.data)
        assert self.path is not None
        try:
            with open(self.path, "rb") as stream:
                stream.seek(self.offset)
                raw = stream.read(self.length)
        except OSError as exc:
            raise input_error(exc, self.path) from None
        return loads(raw, where=self.where)


Index = dict[tuple[str, str], Spot]


class _Indexer:
    """Builds one side's index, checking every resource as the whole-side loader did."""

    def __init__(self) -> None:
        self.index: Index = {}

    def add(self, resource: Any, where: str, spot: Spot | None, *, strict: bool) -> None:
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            if strict:
                raise InputError("not a FHIR resource (no resourceType)", where=where)
            return
        if resource["resourceType"] == "Bundle":
            for index, entry in enumerate(bundle_entries(resource, where=where)):
                if not isinstance(entry, dict) or "resource" not in entry:
                    raise InputError(f"entry[{index}] has no resource", where=where)
                self.add(entry["resource"], f"{where}: entry[{index}]", None, strict=True)
            return
        rid = resource.get("id")
        if not isinstance(rid, str) or not rid:
            if not strict:
                return
            raise InputError(f"{resource['resourceType']} has no id to pair it by", where=where)
        key = (resource["resourceType"], rid)
        if spot is None:
            spot = Spot(where, data=orjson.dumps(resource))
        earlier = self.index.get(key)
        if earlier is not None:
            if earlier.read() != resource:
                raise InputError(
                    f"{key[0]}/{key[1]} appears twice with different content", where=where
                )
            return  # the same resource twice: the first place is kept, as the dict kept it
        self.index[key] = spot

    def file(self, path: Path, *, strict: bool) -> None:
        if is_gzip(path):
            # pairs are re-read from the file by offset (memory stays flat), which a
            # compressed stream cannot do cheaply
            raise InputError(
                "gzip-compressed: diff reads .json and .ndjson files; decompress it first "
                "(gunzip -k)",
                where=str(path),
            )
        if path.suffix.lower() not in NDJSON_SUFFIXES:
            self.add(read_json(path), str(path), None, strict=strict)
            return
        with open_input(path) as stream:
            offset = 0
            for number, line in enumerate(lines(stream, where=str(path)), start=1):
                start, offset = offset, offset + len(line)
                if not line.strip():
                    continue
                where = f"{path}:{number}"
                spot = Spot(where, str(path), start, len(line))
                self.add(loads(line, where=where), where, spot, strict=True)


def index_side(path: str | Path) -> Index:
    """Where every resource of one side is, keyed by ``(resourceType, id)``.

    In a folder, JSON documents that are not FHIR resources with an id (``userinfo.json``, a
    CapabilityStatement) are skipped; a file named explicitly must be one.
    """
    target = Path(path)
    indexer = _Indexer()
    if target.is_dir():
        files = sorted(
            p
            for p in target.iterdir()
            # a dangling symlink is listed too, so that reading it reports it
            if (p.is_file() or p.is_symlink()) and (p.suffix.lower() == ".json" or is_ndjson(p))
        )
        if not files:
            raise InputError("folder holds no .json or .ndjson file", where=str(target))
        for file in files:
            indexer.file(file, strict=False)
    elif target.exists():
        indexer.file(target, strict=True)
    else:
        raise InputError("no such file or folder", where=str(target))
    return indexer.index


def load_side(path: str | Path) -> Resources:
    """All resources of one side, parsed, keyed by ``(resourceType, id)``."""
    return {key: spot.read() for key, spot in index_side(path).items()}


def settle_fetch_folder(base: Path) -> None:
    """A fetch folder is read as one complete fetch, never a mix of two.

    ``bbmigrate fetch`` installs a new fetch over an old one rename by rename, after writing a
    journal into its staging folder (``.<name>.fetch-*``, see :mod:`bbmigrate.client.layout`).
    A journaled staging folder beside ``base`` means an install was interrupted (or is in its
    last milliseconds): :func:`~bbmigrate.client.layout.recover` rolls it forward, as the next
    fetch would. A staging folder without a journal has not touched ``base`` yet: the folder is
    still the earlier complete fetch, and it is read as it is (that staging folder may belong to
    a fetch still downloading, so it is left alone).
    """
    from ..client.layout import JOURNAL, recover

    stagings = list(base.parent.glob(f".{base.name}.fetch-*"))
    if not any((staging / JOURNAL).is_file() for staging in stagings):
        return
    try:
        recover(base)
    except (OSError, OutputError) as exc:
        raise InputError(
            f"an interrupted fetch install could not be finished ({exc}); run the fetch again",
            where=str(base),
        ) from None


def resolve_sides(left: str | Path, right: str | Path | None) -> tuple[Path, Path]:
    """The two sides; with one folder argument, its ``v1/`` and ``v2/`` subfolders."""
    if right is not None:
        left_path, right_path = Path(left), Path(right)
        if left_path.parent == right_path.parent and left_path.parent.name:
            settle_fetch_folder(left_path.parent)  # out/v1 out/v2 of one fetch folder
        return left_path, right_path
    base = Path(left)
    if base.is_dir():
        settle_fetch_folder(base)
    if not (base / "v1").is_dir() or not (base / "v2").is_dir():
        raise InputError(
            "expected a folder with v1/ and v2/ subfolders (or give RIGHT)", where=str(base)
        )
    return base / "v1", base / "v2"


_TYPE_ORDER = {"Patient": 0, "Coverage": 1, "ExplanationOfBenefit": 2}


def _order(key: tuple[str, str]) -> tuple[int, str, str]:
    return (_TYPE_ORDER.get(key[0], 9), key[0], key[1])


def pair(v1: Resources, v2: Resources) -> list[Pair]:
    """Pair resources by ``(resourceType, id)``: Patient, Coverage, EOBs first, then by id."""
    return [Pair(k[0], k[1], v1.get(k), v2.get(k)) for k in sorted(set(v1) | set(v2), key=_order)]


@dataclass(frozen=True, slots=True)
class PairSpots:
    """A pair not read yet: where its v1 and v2 forms are."""

    resource_type: str
    id: str
    v1: Spot | None
    v2: Spot | None

    def read(self) -> Pair:
        return Pair(
            self.resource_type,
            self.id,
            self.v1.read() if self.v1 is not None else None,
            self.v2.read() if self.v2 is not None else None,
        )


@dataclass
class Plan:
    """Both sides indexed and paired, in report order; pairs are read when asked for."""

    pairs: list[PairSpots]
    left: str
    right: str

    def __len__(self) -> int:
        return len(self.pairs)

    def read(self) -> Iterator[Pair]:
        for spots in self.pairs:
            yield spots.read()


def plan_pairs(left: str | Path, right: str | Path | None = None) -> Plan:
    """Index both sides and pair them (nothing but the index is kept in memory)."""
    left_path, right_path = resolve_sides(left, right)
    v1, v2 = index_side(left_path), index_side(right_path)
    keys = sorted(set(v1) | set(v2), key=_order)
    if not keys:  # nothing to compare is bad input, not a clean diff
        raise InputError("no FHIR resources found on either side", where=str(left))
    pairs = [PairSpots(k[0], k[1], v1.get(k), v2.get(k)) for k in keys]
    return Plan(pairs, str(left_path), str(right_path))


def load_pairs(left: str | Path, right: str | Path | None = None) -> tuple[list[Pair], str, str]:
    """Load both sides and pair them, all in memory; also returns the side names."""
    plan = plan_pairs(left, right)
    return list(plan.read()), plan.left, plan.right
