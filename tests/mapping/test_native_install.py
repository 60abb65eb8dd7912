"""The installed, compiled helper modules map exactly as the pure-Python source does.

``pip install .`` compiles ``bbmigrate/mapping/{valueops,paths,access,write}.py`` with Cython
(``hatch_build.py``) when it can. The suite itself imports bbmigrate from the source tree (pure
Python), so these tests run the INSTALLED package in a subprocess (``python -I`` from a folder
outside the repository) on the same documents and compare the outputs byte for byte, key order
included, and the error texts. They skip when the installed package has nothing compiled.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from typing import Any

import orjson
import pytest

import bbmigrate
from bbmigrate.mapping import native

from .native_probe import results
from .perturb import Perturber

ROOT = Path(__file__).resolve().parents[2]
MAPPINGS = str(ROOT / "mappings")
PROBE = Path(__file__).with_name("native_probe.py")


def _compiled_install() -> list[str]:
    """The helper modules the installed distribution ships compiled; skip when there are none."""
    try:
        dist = importlib.metadata.distribution("bbmigrate")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("bbmigrate is not installed: no compiled helpers to compare")
    files = dist.files or []
    names = sorted(
        f.name.split(".")[0]
        for f in files
        if f.parent.as_posix() == "bbmigrate/mapping" and f.name.endswith(tuple(EXTENSION_SUFFIXES))
    )
    if not names:
        pytest.skip(
            "the installed bbmigrate is pure Python (editable install, BBMIGRATE_PURE=1, or no "
            "Cython/C compiler at build time): nothing compiled to compare"
        )
    stale = [
        f.as_posix()
        for f in files
        if f.suffix == ".py"
        and f.parts[0] == "bbmigrate"
        and (ROOT / f).is_file()
        and Path(dist.locate_file(f)).read_bytes() != (ROOT / f).read_bytes()
    ]
    if stale:
        message = f"the installed bbmigrate is not this checkout ({stale[0]} differs)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs this very checkout: a difference is a bug
        pytest.skip(message)
    return names


def _tree_is_pure() -> None:
    if Path(bbmigrate.__file__).resolve().parent != ROOT / "bbmigrate" or native.compiled():
        pytest.skip("this process does not run the pure source tree: nothing to compare against")


def _installed(documents: list[Any], tmp_path: Path) -> dict:
    """What the installed package (imported from outside the repository) makes of ``documents``."""
    asked = orjson.dumps({"mappings": MAPPINGS, "documents": documents})
    # -I: no PYTHONPATH, no user site, no script folder or cwd on sys.path (site-packages only)
    done = subprocess.run(
        [sys.executable, "-I", str(PROBE)],
        input=asked,
        capture_output=True,
        cwd=tmp_path,
        check=True,
        timeout=300,
    )
    return orjson.loads(done.stdout)


def _assert_same(documents: list[Any], tmp_path: Path) -> None:
    expected_modules = _compiled_install()
    _tree_is_pure()
    theirs = _installed(documents, tmp_path)
    assert not Path(theirs["package"]).resolve().is_relative_to(ROOT)
    assert theirs["compiled"] == list(native.HELPERS)
    assert sorted(theirs["compiled"]) == expected_modules
    ours = results(documents, MAPPINGS)
    assert len(theirs["results"]) == len(ours) == 2 * len(documents)
    differ = [i for i, (a, b) in enumerate(zip(ours, theirs["results"], strict=True)) if a != b]
    assert not differ, f"{len(differ)} outputs differ, first: document {differ[0] % len(documents)}"


def _load(paths: list[Path]) -> list[Any]:
    return [orjson.loads(p.read_bytes()) for p in paths]


def _sample_documents() -> list[Any]:
    docs = _load(sorted(p for p in (ROOT / "samples").glob("*/v1/*.json") if p.stem != "userinfo"))
    # value-perturbed copies: other ids, codes, amounts and dates through the same paths
    return docs + [Perturber(seed).pair(doc, {})[0] for seed, doc in enumerate(docs)]


def _bad_documents(eob: dict) -> list[Any]:
    """Inputs the mapper refuses (InputError) or that break a rule (RuleError)."""
    return [
        [eob],
        {"id": "no-type"},
        {"resourceType": "Claim"},
        {**eob, "diagnosis": [{"sequence": {}}]},
        {**eob, "item": "not a list"},
        {**eob, "careTeam": [{"provider": "not an object"}]},
    ]


def test_installed_compiled_helpers_map_samples_identically(tmp_path: Path) -> None:
    documents = _sample_documents()
    eob = next(
        entry["resource"]
        for doc in documents
        for entry in (doc.get("entry") or [])
        if entry["resource"]["resourceType"] == "ExplanationOfBenefit"
    )
    _assert_same([*documents, *_bad_documents(eob)], tmp_path)


@pytest.mark.reference
def test_installed_compiled_helpers_map_reference_identically(
    bfd_responses: Path, tmp_path: Path
) -> None:
    paths = sorted(p for p in (bfd_responses / "v1").glob("*.json") if p.stem != "metadata")
    assert len(paths) >= 12
    _assert_same(_load(paths), tmp_path)


def test_native_reports_the_extension_modules_in_use() -> None:
    """``compiled()`` names exactly the helpers loaded from an extension module."""
    folder = Path(native.__file__).parent
    loaded = tuple(
        name
        for name in native.HELPERS
        if any((folder / f"{name}{suffix}").is_file() for suffix in EXTENSION_SUFFIXES)
    )
    assert native.compiled() == loaded
    line = native.describe()
    if loaded:
        assert line == f"engine: compiled ({', '.join(loaded)})"
    else:
        assert line == "engine: pure Python"
