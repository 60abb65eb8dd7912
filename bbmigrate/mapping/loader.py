"""Load ``mappings/`` into the frozen model, validating every file, rule and path.

Any mistake (unknown key, op or table; malformed path; duplicate id) is a
:class:`~bbmigrate.errors.MappingFileError` whose one-line text names the file, the line and the
rule id, e.g. ``eob/carrier.yaml:42: rule eob.x: unknown key 'sorce'``.

Layout read here (see ``mappings/README.md``): ``patient.yaml``, ``coverage.yaml``,
``bundle.yaml``, ``eob/common.yaml`` plus one ``eob/<claim type>.yaml`` per claim type,
``quirks/*.yaml`` (switchable BFD quirks) and ``concepts/*.yaml`` (code tables).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from ..errors import MappingError, MappingFileError
from ..resources import mappings_dir
from .model import CHANGES, ConceptTable, Gap, MappingSet, Origin, ResourceMap, Route, Rule
from .ops import NEEDS_V1, NEEDS_V2, OPS
from .paths import compile_path, template_names

LINE = "__line__"
COMMON_KEYS = {"id", "op", "v1", "v2", "note", "variable", "claim_types", "change", "quirk"}
FILE_KEYS = {"resource", "claim_type", "vars", "rules", "finalize", "gaps", "note"}
TABLE_KEYS = {"id", "note", "key_prefix", "rows"}
GAP_KEYS = {"id", "v2", "reason", "variable", "claim_types"}
ROUTE_KEYS = {"v2", "rules", "drop", "backlink"}
VARIABLE_URL = "https://bluebutton.cms.gov/resources/variables/"


class _LineLoader(yaml.SafeLoader):
    """A safe loader that records each mapping's line under ``__line__``."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _FastLineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """``_LineLoader`` on libyaml when PyYAML has it: parses the mappings about 8x faster."""


_FastLineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != LINE}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _read(path: Path, rel: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
        try:
            data = yaml.load(text, Loader=_FastLineLoader)
        except yaml.YAMLError:
            # the pure-Python parser words the error (and marks the line) as the docs show
            data = yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else 0
        raise MappingFileError(f"invalid YAML: {exc.problem}", where=f"{rel}:{line}") from None
    except OSError as exc:
        raise MappingFileError(exc.strerror or str(exc), where=rel) from None
    if not isinstance(data, dict):
        raise MappingFileError("expected a mapping at the top level", where=f"{rel}:1")
    return data


class _Builder:
    """Turns parsed YAML into model objects, remembering ids and referenced tables."""

    def __init__(self) -> None:
        self.table_refs: list[tuple[str, Origin, str]] = []

    def rule(self, raw: Any, rel: str, *, quirk: bool = False) -> Rule:
        if not isinstance(raw, dict):
            raise MappingFileError("a rule must be a mapping", where=f"{rel}:?")
        line = raw.get(LINE, 0)
        origin = Origin(rel, line)
        rid = raw.get("id")
        where = f"{rel}:{line}"
        if not isinstance(rid, str) or not rid:
            raise MappingFileError("rule without an 'id'", where=where)
        op = raw.get("op")
        if op not in OPS:
            raise MappingFileError(
                f"rule {rid}: unknown op {op!r} (known: {', '.join(sorted(OPS))})", where=where
            )
        _, required, optional = OPS[op]
        for key in raw:
            if key != LINE and key not in COMMON_KEYS | required | optional:
                raise MappingFileError(f"rule {rid}: unknown key {key!r} for op {op}", where=where)
        for key in required:
            if key not in raw:
                raise MappingFileError(f"rule {rid}: op {op} needs {key!r}", where=where)
        if op in NEEDS_V1 and not raw.get("v1"):
            raise MappingFileError(f"rule {rid}: op {op} needs a 'v1' path", where=where)
        if op in NEEDS_V2 and not raw.get("v2"):
            raise MappingFileError(f"rule {rid}: op {op} needs a 'v2' path", where=where)
        if not raw.get("note"):
            raise MappingFileError(f"rule {rid}: every rule needs a one-line 'note'", where=where)
        v1, v2 = raw.get("v1"), raw.get("v2")
        v1_path = self._path(v1, rid, where) if v1 else ()
        v2_path = self._path(v2, rid, where, target=True) if v2 else ()
        params = self._params(raw, op, rid, rel, where, quirk)
        children = tuple(self.rule(r, rel, quirk=quirk) for r in raw.get("rules") or ())
        change = raw.get("change") or _default_change(op, v1, v2)
        if change not in CHANGES:
            raise MappingFileError(f"rule {rid}: change must be one of {CHANGES}", where=where)
        claim_types = raw.get("claim_types") or ()
        if isinstance(claim_types, str):
            claim_types = (claim_types,)
        variable = raw.get("variable")
        if variable and not variable.startswith("http"):
            variable = VARIABLE_URL + variable
        return Rule(
            id=rid,
            op=op,
            v1=v1,
            v2=v2,
            note=str(raw["note"]).strip(),
            origin=origin,
            variable=variable,
            claim_types=tuple(claim_types),
            change=change,
            quirk=bool(raw.get("quirk", quirk)),
            params=MappingProxyType(params),
            rules=children,
            v1_path=v1_path,
            v2_path=v2_path,
        )

    def _path(self, text: Any, rid: str, where: str, *, target: bool = False):
        try:
            return compile_path(text, target=target)
        except MappingError as exc:
            raise MappingFileError(f"rule {rid}: {exc.message}", where=where) from None

    def _params(
        self, raw: dict, op: str, rid: str, rel: str, where: str, quirk: bool
    ) -> dict[str, Any]:
        params: dict[str, Any] = {}
        for name in (
            "value",
            "field",
            "default",
            "replace",
            "target",
            "reshape",
            "except",
            "follow_to",
        ):
            if name in raw:
                params[name] = _strip(raw[name])
        if params.get("reshape", "money") not in ("money", "none"):
            raise MappingFileError(
                f"rule {rid}: unknown reshape {params['reshape']!r}", where=where
            )
        for name, key in (
            ("origin", "origin_path"),
            ("key", "key_path"),
            ("order", "order_path"),
            ("linked_by", "linked_path"),
            ("linked_from", "linked_from_path"),
            ("unlinked_from", "unlinked_from_path"),
            ("follow", "follow_path"),
        ):
            if name in raw:
                params[key] = self._path(raw[name], rid, where)
        if "bind" in raw:
            if not isinstance(raw["bind"], dict):
                raise MappingFileError(f"rule {rid}: 'bind' must map names to paths", where=where)
            params["bind_paths"] = {
                str(k): self._path(v, rid, where) for k, v in raw["bind"].items() if k != LINE
            }
        for name in ("when", "unless"):
            if name in raw:
                text = str(raw[name])
                path, want = _split_condition(text)
                params[f"{name}_path"] = self._path(path, rid, where, target=path.startswith("/"))
                params[f"{name}_value"] = want
        if "table" in raw:
            params["table"] = raw["table"]
            names = raw["table"] if isinstance(raw["table"], list) else [raw["table"]]
            # only the last table of a chain must exist; earlier ones are optional overrides
            self.table_refs.append((names[-1], Origin(rel, raw.get(LINE, 0)), rid))
        if "pattern" in raw:
            try:
                params["pattern_re"] = re.compile(raw["pattern"])
            except re.error as exc:
                raise MappingFileError(f"rule {rid}: bad pattern: {exc}", where=where) from None
        if "routes" in raw:
            params["routes"] = self._routes(raw["routes"], rid, rel, where, quirk)
        if "follow_to" in raw and "follow" not in raw:
            raise MappingFileError(f"rule {rid}: 'follow_to' needs 'follow'", where=where)
        if op == "renumber" and "order" in raw and "table" not in raw:
            raise MappingFileError(f"rule {rid}: 'order' needs a 'table' of ranks", where=where)
        return params

    def _routes(self, raw: Any, rid: str, rel: str, where: str, quirk: bool) -> dict[str, Route]:
        if not isinstance(raw, dict) or "default" not in raw:
            raise MappingFileError(f"rule {rid}: 'routes' needs a 'default' route", where=where)
        routes: dict[str, Route] = {}
        for name, spec in raw.items():
            if name == LINE:
                continue
            if not isinstance(spec, dict):
                raise MappingFileError(f"rule {rid}: route {name!r} must be a mapping", where=where)
            here = f"{rel}:{spec.get(LINE, 0)}"
            for key in spec:
                if key != LINE and key not in ROUTE_KEYS:
                    raise MappingFileError(
                        f"rule {rid}: route {name}: unknown key {key!r}", where=here
                    )
            if "drop" not in spec and not spec.get("v2"):
                raise MappingFileError(f"rule {rid}: route {name} needs 'v2' or 'drop'", where=here)
            v2 = spec.get("v2")
            routes[name] = Route(
                name=name,
                v2=v2,
                v2_path=self._path(v2, rid, here, target=True) if v2 else (),
                rules=tuple(self.rule(r, rel, quirk=quirk) for r in spec.get("rules") or ()),
                drop=spec.get("drop"),
                backlink=spec.get("backlink"),
            )
        return routes

    def table(self, raw: dict, rel: str) -> ConceptTable:
        where = f"{rel}:{raw.get(LINE, 1)}"
        for key in raw:
            if key != LINE and key not in TABLE_KEYS:
                raise MappingFileError(f"concept table: unknown key {key!r}", where=where)
        if not isinstance(raw.get("id"), str) or not isinstance(raw.get("rows"), dict):
            raise MappingFileError("concept table needs 'id' and a 'rows' mapping", where=where)
        prefix = raw.get("key_prefix", "")
        rows = {}
        for key, value in raw["rows"].items():
            if key == LINE:
                continue
            key = str(key)
            full = key if (not prefix or key.startswith(("http", "urn:"))) else prefix + key
            rows[full] = _freeze(_strip(value))
        return ConceptTable(
            raw["id"], str(raw.get("note", "")), MappingProxyType(rows), Origin(rel, 1)
        )

    def gap(self, raw: dict, rel: str, claim_type: str | None = None) -> Gap:
        where = f"{rel}:{raw.get(LINE, 0)}"
        for key in raw:
            if key != LINE and key not in GAP_KEYS:
                raise MappingFileError(f"gap: unknown key {key!r}", where=where)
        if not raw.get("id") or not raw.get("v2") or not raw.get("reason"):
            raise MappingFileError("gap needs 'id', 'v2' and 'reason'", where=where)
        ct = raw.get("claim_types") or claim_type or ()  # a claim-type file's gaps are its own
        variable = raw.get("variable")
        if variable and not variable.startswith("http"):
            variable = VARIABLE_URL + variable
        return Gap(
            raw["id"],
            raw["v2"],
            raw["reason"],
            Origin(rel, raw.get(LINE, 0)),
            variable,
            (ct,) if isinstance(ct, str) else tuple(ct),
        )


def _split_condition(text: str) -> tuple[str, str | None]:
    """``path`` (exists) or ``path=value`` (equals), '=' outside brackets only."""
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "["
        depth -= ch == "]"
        if ch == "=" and depth == 0:
            return text[:i].strip(), text[i + 1 :].strip()
    return text, None


def _freeze(value: Any) -> Any:
    return value


def _default_change(op: str, v1: str | None, v2: str | None) -> str:
    if op == "constant":
        return "added"
    if op == "drop":
        return "removed"
    if op in ("lookup", "rewrite"):
        return "recoded"
    if op == "copy" and v1 and v2 and _norm(v1) == _norm(v2):
        return "same"
    return "moved"


def _norm(path: str) -> str:
    return re.sub(r"\[[*+0-9]\]", "", path)


def _check_file_keys(data: dict, rel: str) -> None:
    for key in data:
        if key != LINE and key not in FILE_KEYS:
            raise MappingFileError(f"unknown top-level key {key!r}", where=f"{rel}:1")


_NOUNS = {list: "a list", dict: "a mapping", str: "a text"}


def _section(data: dict, key: str, kind: type, rel: str) -> Any:
    """``data[key]`` when it is of ``kind`` (None when absent or empty); a hand-edited file with
    another shape gets a one-line error naming the key, not a TypeError later."""
    return _shaped(data.get(key), key, kind, rel)


def _shaped(value: Any, key: str, kind: type, rel: str) -> Any:
    if value is None or value == kind():
        return None
    if not isinstance(value, kind):
        raise MappingFileError(f"{key!r} must be {_NOUNS[kind]}", where=f"{rel}:1")
    return value


def _rules(builder: _Builder, data: dict, section: str, rel: str, quirk: bool) -> list[Rule]:
    raw = _section(data, section, list, rel) or []
    rules = [builder.rule(r, rel, quirk=quirk) for r in raw]
    seen: dict[str, Rule] = {}
    for rule in rules:
        for sub in rule.walk():
            if sub.id in seen and seen[sub.id] is not sub:
                raise MappingFileError(f"rule {sub.id}: duplicate id", where=str(sub.origin))
            seen[sub.id] = sub
    return rules


def load_from(root: Path, *, quirks: bool = True) -> MappingSet:
    """Load and validate every file under ``root`` (uncached; see :func:`load_mappings`)."""
    root = Path(root)
    if not root.is_dir():
        raise MappingFileError("mappings folder not found", where=str(root))
    builder = _Builder()
    tables: dict[str, ConceptTable] = {}
    for path in sorted((root / "concepts").glob("*.yaml")):
        rel = path.relative_to(root).as_posix()
        data = _read(path, rel)
        for raw in _section(data, "tables", list, rel) or [data]:
            table = builder.table(raw, rel)
            if table.id in tables:
                raise MappingFileError(f"duplicate concept table {table.id!r}", where=rel)
            tables[table.id] = table
    maps: dict[str, ResourceMap] = {}
    gaps: list[Gap] = []
    quirk_files = [
        _read(p, p.relative_to(root).as_posix()) for p in sorted(root.glob("quirks/*.yaml"))
    ]
    quirk_rel = [p.relative_to(root).as_posix() for p in sorted(root.glob("quirks/*.yaml"))]
    quirk_rules: list[Rule] = []
    quirk_vars: dict[str, dict[str, Any]] = {}
    for data, rel in zip(quirk_files, quirk_rel, strict=True):
        _check_file_keys(data, rel)
        quirk_rules += _rules(builder, data, "rules", rel, True)
        for ct, values in (_section(data, "vars", dict, rel) or {}).items():
            if ct != LINE:
                values = _shaped(values, ct, dict, rel) or {}
                quirk_vars.setdefault(ct, {}).update(_strip(values))
    common: dict[str, Any] = {}
    claim_files: list[tuple[str, dict]] = []
    for path in sorted(root.rglob("*.yaml")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(("concepts/", "quirks/")) or path.name.startswith("_"):
            continue
        data = _read(path, rel)
        _check_file_keys(data, rel)
        if not data.get("resource"):
            raise MappingFileError("missing 'resource'", where=f"{rel}:1")
        _section(data, "resource", str, rel)
        _section(data, "claim_type", str, rel)
        gaps += [
            builder.gap(g, rel, data.get("claim_type"))
            for g in _section(data, "gaps", list, rel) or []
        ]
        if data.get("claim_type"):
            claim_files.append((rel, data))
        elif rel.endswith("common.yaml"):
            common = {"rel": rel, "data": data}
        else:
            rules = _rules(builder, data, "rules", rel, False)
            rules += _rules(builder, data, "finalize", rel, False)
            maps[data["resource"]] = ResourceMap(
                data["resource"],
                None,
                tuple(rules),
                MappingProxyType(_strip(_section(data, "vars", dict, rel) or {})),
            )
    claim_types: list[str] = []
    if claim_files:
        if not common:
            raise MappingFileError("claim-type files need an eob/common.yaml", where=str(root))
        cdata, crel = common["data"], common["rel"]
        base = _rules(builder, cdata, "rules", crel, False)
        final = _rules(builder, cdata, "finalize", crel, False)
        for rel, data in claim_files:
            ct = str(data["claim_type"])
            claim_types.append(ct)
            own = _rules(builder, data, "rules", rel, False)
            variables = {
                **_strip(_section(cdata, "vars", dict, crel) or {}),
                **_strip(_section(data, "vars", dict, rel) or {}),
            }
            variables["claim_type"] = ct
            if quirks:
                variables.update(quirk_vars.get(ct, {}))
            rules = (
                base + own + [r for r in quirk_rules if not r.claim_types or ct in r.claim_types]
            )
            maps[f"{data['resource']}/{ct}"] = ResourceMap(
                data["resource"], ct, tuple(rules + final), MappingProxyType(variables)
            )
    _check_tables(builder, tables, maps)
    return MappingSet(
        root=str(root),
        maps=MappingProxyType(maps),
        tables=MappingProxyType(tables),
        gaps=tuple(gaps),
        quirks=quirks,
        claim_types=tuple(sorted(claim_types)),
    )


def _check_tables(builder: _Builder, tables: dict, maps: dict[str, ResourceMap]) -> None:
    for name, origin, rid in builder.table_refs:
        names = {name}
        if "${" in name:
            names = set()
            for rmap in maps.values():
                if any(r.id == rid for r in rmap.all_rules()):
                    filled = name
                    for var in template_names(name):
                        filled = filled.replace("${" + var + "}", str(rmap.variables.get(var, "")))
                    names.add(filled)
        for one in names:
            if one not in tables:
                raise MappingFileError(
                    f"rule {rid}: unknown concept table {one!r}", where=str(origin)
                )


# How long a loaded set is trusted before the files' sizes and times are looked at again: a
# look costs ~40 µs, and map_resource() without ``mappings=`` asks for the set every time.
RECHECK_SECONDS = 2.0
_LOADED: dict[tuple[str, bool], tuple[float, tuple, MappingSet]] = {}


def _signature(root: str) -> tuple:
    """Path, size and modification time of every mapping file under ``root``."""
    found = []
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir():
                    stack.append(entry.path)
                elif entry.name.endswith((".yaml", ".yml")):
                    info = entry.stat()
                    found.append((entry.path, info.st_size, info.st_mtime_ns))
    return tuple(sorted(found))


def load_mappings(path: str | Path | None = None, *, quirks: bool = True) -> MappingSet:
    """Load (once per folder) the mapping set; ``quirks=False`` leaves out the BFD quirk rules.

    The set (and the code generated from it) is kept until a mapping file changes: edited files
    are picked up by the next call after at most ``RECHECK_SECONDS``.
    """
    root = str((Path(path) if path is not None else mappings_dir()).resolve())
    key = (root, quirks)
    now = time.monotonic()
    held = _LOADED.get(key)
    if held is not None and now - held[0] < RECHECK_SECONDS:
        return held[2]
    signature = _signature(root) if os.path.isdir(root) else ()
    if held is not None and held[1] == signature:
        _LOADED[key] = (now, signature, held[2])
        return held[2]
    mapping = load_from(Path(root), quirks=quirks)
    _LOADED[key] = (now, signature, mapping)
    return mapping
