"""Compile profile snapshots into a small, JSON-serialisable rule set, and cache it.

A StructureDefinition snapshot is a flat list of ElementDefinitions whose ids encode the tree
(``ExplanationOfBenefit.supportingInfo:admissionperiod.timing[x]:timingPeriod``). The compiler
turns it into nested nodes and keeps only what the checker needs — cardinality that differs from
the base, slicing, fixed/pattern values, required bindings, error-level invariants and
must-support flags — so a rule set is a fraction of the package size and loads in milliseconds.

Rule sets are cached in memory, on disk (keyed by the packages' SHA-256 and the compiler format)
and, for users without the packages, a generated copy ships in ``bbmigrate/validate/rulesets/``.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import orjson

from ..errors import InputError, OutputError
from ..jsonio import write_bytes_atomic
from .packages import (
    CORE_PACKAGE,
    IG_PACKAGES,
    Package,
    cache_dir,
    core_source,
    find_package_dir,
    package_sha256,
    read_package,
)
from .terminology import compile_value_set

FORMAT = 2
IG_VERSIONS = tuple(IG_PACKAGES)
DEFAULT_IG = "2.0.0"
BUNDLED_DIR = Path(__file__).resolve().parent / "rulesets"
# Checked natively (structure.py): fhirpathpy is slow on ele-1 (every element) and fails dom-3.
NATIVE_INVARIANTS = frozenset({"ele-1", "ext-1", "dom-3"})
_MAX = {"*": None}
_MEMORY: dict[tuple[str, str], dict] = {}


def _max(value: str | None) -> int | None:
    if value is None or value == "*":
        return None
    return int(value)


def _split_id(element_id: str) -> list[tuple[str, str | None]]:
    """``A.b:s.c`` -> ``[("A", None), ("b", "s"), ("c", None)]`` (dots inside slice names kept)."""
    parts: list[tuple[str, str | None]] = []
    for raw in element_id.split("."):
        if parts and parts[-1][1] is not None and ":" not in raw and "/" in parts[-1][1]:
            parts[-1] = (parts[-1][0], parts[-1][1] + "." + raw)
            continue
        name, _, slice_name = raw.partition(":")
        parts.append((name, slice_name or None))
    return parts


def _compile_element(element: dict) -> dict:
    node: dict[str, Any] = {"id": element["id"], "name": _split_id(element["id"])[-1][0]}
    node["min"] = element.get("min", 0)
    node["max"] = _max(element.get("max"))
    base = element.get("base") or {}
    # Base cardinality is stored only where the profile changes it (keeps the rule set small).
    if base.get("min", node["min"]) != node["min"]:
        node["base_min"] = base["min"]
    if "max" in base and _max(base["max"]) != node["max"]:
        node["base_max"] = _max(base["max"])
    types = element.get("type") or []
    codes = [t.get("code") for t in types if t.get("code")]
    if codes:
        node["types"] = codes
    targets = sorted({p.split("|", 1)[0] for t in types for p in t.get("targetProfile", [])})
    if targets and "Reference" in codes:
        node["targets"] = targets
    profiles = [p for t in types for p in t.get("profile", [])]
    if profiles and codes == ["Extension"]:
        node["profile"] = profiles[0].split("|", 1)[0]
    for key, value in element.items():
        if key.startswith("fixed"):
            node["fixed"] = value
        elif key.startswith("pattern"):
            node["pattern"] = value
    binding = element.get("binding") or {}
    if binding.get("strength") == "required" and binding.get("valueSet"):
        node["binding"] = binding["valueSet"].split("|", 1)[0]
    constraints = [
        [c["key"], c["expression"], c.get("human", "")]
        for c in element.get("constraint", [])
        if c.get("severity") == "error"
        and c.get("expression")
        and c.get("key") not in NATIVE_INVARIANTS
    ]
    if constraints:
        node["constraints"] = constraints
    if element.get("mustSupport"):
        node["ms"] = True
    slicing = element.get("slicing")
    if slicing:
        node["slicing"] = {
            "discriminator": [[d["type"], d["path"]] for d in slicing.get("discriminator", [])],
            "rules": slicing.get("rules", "open"),
        }
    return node


def _keep(node: dict) -> bool:
    """Keep a node that constrains more than the base resource does, or has children that do."""
    if node.get("children") or node.get("slices") or node.get("slicing"):
        return True
    if node.get("slice_name") or node["name"].endswith("[x]"):
        return True
    if "base_min" in node or "base_max" in node:
        return True
    return any(k in node for k in ("fixed", "pattern", "binding", "constraints", "ms", "profile"))


def _prune(node: dict) -> dict:
    node["children"] = [_prune(c) for c in node.get("children", []) if _keep(_prune(c))]
    node["slices"] = [_prune(s) for s in node.get("slices", [])]
    for key in ("children", "slices"):
        if not node[key]:
            del node[key]
    return node


def compile_profile(sd: dict) -> dict:
    """Nest a snapshot's elements into a node tree rooted at the resource element."""
    elements = (sd.get("snapshot") or {}).get("element") or []
    if not elements:
        raise InputError("StructureDefinition has no snapshot", where=sd.get("url", "?"))
    by_id: dict[str, dict] = {}
    root: dict | None = None
    must_support: list[str] = []
    for element in elements:
        node = _compile_element(element)
        parts = _split_id(element["id"])
        if node.get("ms"):
            must_support.append(element["id"])
        if len(parts) == 1 and parts[0][1] is None:
            root = node
            by_id[element["id"]] = node
            continue
        slice_name = parts[-1][1]
        if slice_name is not None:
            node["slice_name"] = slice_name
            owner_id = element["id"].rsplit(":", 1)[0]
            owner = by_id.get(owner_id)
            if owner is None:
                continue
            owner.setdefault("slices", []).append(node)
        else:
            parent_id = element["id"].rsplit(".", 1)[0]
            parent = by_id.get(parent_id)
            if parent is None:
                continue
            parent.setdefault("children", []).append(node)
        by_id[element["id"]] = node
    if root is None:
        raise InputError("snapshot has no root element", where=sd.get("url", "?"))
    return {
        "url": sd["url"],
        "name": sd.get("name", sd["url"].rsplit("/", 1)[-1]),
        "type": sd.get("type"),
        "abstract": bool(sd.get("abstract")),
        "root": _prune(root),
        "must_support": must_support,
    }


def _bindings(node: dict) -> set[str]:
    found = {node["binding"]} if "binding" in node else set()
    for expression in (c[1] for c in node.get("constraints", [])):
        found.update(_member_of_urls(expression))
    for child in node.get("children", []) + node.get("slices", []):
        found |= _bindings(child)
    return found


def _member_of_urls(expression: str) -> set[str]:
    urls = set()
    marker = "memberOf('"
    start = expression.find(marker)
    while start >= 0:
        end = expression.find("'", start + len(marker))
        urls.add(expression[start + len(marker) : end])
        start = expression.find(marker, end)
    return urls


def build_ruleset(ig: Package, core: Package | None, *, version: str) -> dict:
    """Compile every resource profile of the IG and expand the value sets they bind."""
    profiles = {}
    for url, sd in sorted(ig.structure_definitions.items()):
        if sd.get("kind") == "resource" and sd.get("derivation") == "constraint":
            profiles[url] = compile_profile(sd)
    value_sets = dict(core.value_sets) if core else {}
    value_sets.update(ig.value_sets)
    code_systems = dict(core.code_systems) if core else {}
    code_systems.update(ig.code_systems)
    urls = set().union(*(_bindings(p["root"]) for p in profiles.values())) if profiles else set()
    compiled_vs = {}
    for url in sorted(urls):
        compiled_vs[url] = compile_value_set(url, value_sets, code_systems)
    overrides = _enum_overrides(core) if core else {}
    sources = {ig.name: ig.sha256}
    if core:
        sources[core.name] = core.sha256
    return {
        "format": FORMAT,
        "ig": version,
        "sources": sources,
        "profiles": profiles,
        "valuesets": compiled_vs,
        "enum_overrides": overrides,
    }


_OVERRIDES: dict[str, dict] = {}


def _enum_overrides(core: Package) -> dict:
    # The same for every IG version; importing all R4B models for it takes seconds.
    if core.sha256 not in _OVERRIDES:
        from .core_enums import enum_overrides

        _OVERRIDES[core.sha256] = enum_overrides(core)
    return _OVERRIDES[core.sha256]


def _cache_key(sources: dict[str, str], version: str) -> str:
    """Disk-cache key: the packages' SHA-256, the IG version and the compiler's own source."""
    import hashlib  # here: a run that finds its rule set ready needs no digest of its own

    digest = hashlib.sha256(f"format={FORMAT};ig={version}".encode())
    # The compiler's source is part of the key, so a code change never reads a stale cache.
    for module in ("profiles.py", "terminology.py", "core_enums.py"):
        digest.update((Path(__file__).parent / module).read_bytes())
    digest.update(orjson.dumps(sources, option=orjson.OPT_SORT_KEYS))
    return digest.hexdigest()[:20]


_CORE: dict[tuple[str, int, int], Package] = {}


def _read_core(path: Path) -> Package:
    # Read once per process: both IG versions share it and it is the slow part of compiling.
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _CORE:
        _CORE[key] = read_package(path)
    return _CORE[key]


def compile_from_packages(folder: Path, version: str) -> dict:
    ig = read_package(folder / IG_PACKAGES[version])
    core_path = core_source(folder)
    core = _read_core(core_path) if core_path is not None else None
    return build_ruleset(ig, core, version=version)


def dump(ruleset: dict) -> bytes:
    """The bundled, diff-friendly serialisation (sorted keys, one key per line)."""
    return orjson.dumps(ruleset, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def bundled_path(version: str) -> Path:
    return BUNDLED_DIR / f"carin-bb-{version}.json"


def _bundled(version: str) -> dict | None:
    key = ("bundled", version)
    if key not in _MEMORY:
        path = bundled_path(version)
        if not path.is_file():
            return None
        _MEMORY[key] = orjson.loads(path.read_bytes())
    return _MEMORY[key]


def _package_sources(folder: Path, version: str) -> dict[str, str]:
    sources = {IG_PACKAGES[version]: package_sha256(folder / IG_PACKAGES[version])}
    core = core_source(folder)
    if core is not None:
        sources[CORE_PACKAGE] = package_sha256(core)
    return sources


def load_ruleset(
    version: str = DEFAULT_IG, package_dir: str | Path | None = None, *, disk_cache: bool = True
) -> dict:
    """The compiled rules for a CARIN IG version.

    With packages found (``package_dir``, ``$BBMIGRATE_FHIR_PACKAGES`` or the default places),
    the rules come from them: the bundled copy when it was built from byte-identical packages,
    else compiled once per process and, with ``disk_cache``, kept under
    ``$XDG_CACHE_HOME/bbmigrate/validate`` keyed by the packages' SHA-256. Without packages,
    the bundled copy is used.
    """
    if version not in IG_PACKAGES:
        raise InputError(
            f"unknown CARIN IG version {version!r}; use one of {', '.join(IG_VERSIONS)}"
        )
    folder = find_package_dir(package_dir, ig=version)
    if folder is None:
        bundled = _bundled(version)
        if bundled is None:
            raise InputError(
                f"no CARIN {version} package found (use --package-dir or "
                "BBMIGRATE_FHIR_PACKAGES) and no bundled rule set",
                where=str(bundled_path(version)),
            )
        return bundled
    key = (str(folder.resolve()), version)
    if key in _MEMORY:
        return _MEMORY[key]
    sources = _package_sources(folder, version)
    bundled = _bundled(version)
    if bundled is not None and bundled.get("sources") == sources:
        _MEMORY[key] = bundled
        return bundled
    cache = cache_dir() / f"ruleset-{version}-{_cache_key(sources, version)}.json"
    ruleset = None
    if disk_cache and cache.is_file():
        try:
            ruleset = orjson.loads(cache.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            ruleset = None
    if ruleset is None:
        ruleset = compile_from_packages(folder, version)
        if disk_cache:
            # A cache that cannot be written only makes the next run slower.
            with contextlib.suppress(OSError, OutputError):
                write_bytes_atomic(cache, orjson.dumps(ruleset))
    _MEMORY[key] = ruleset
    return ruleset
