"""The stored R4B schema is what the models say, and the primitive checks agree with the types.

``rulesets/r4b-schema.jsonl`` lets the structure walk run without importing the R4B models
(``bbmigrate/validate/r4_schema.py``); ``primitives.py`` answers for the pydantic types where it
is sure. Both only move where an answer comes from, so both are compared with the source.
"""

from __future__ import annotations

import random
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from pydantic import TypeAdapter

from bbmigrate.jsonio import read_json
from bbmigrate.validate import r4_schema, structure
from bbmigrate.validate.inputs import iter_resources
from bbmigrate.validate.primitives import checker

EMULATOR_DATA = Path(__file__).resolve().parent / "emulator" / "data"
SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    return r4_schema.build()


def test_stored_schema_is_what_the_models_give(built):
    fresh = r4_schema.dump(built)
    assert r4_schema.SCHEMA_PATH.read_bytes() == fresh, "stale: run scripts/build_r4_schema.py"
    stored = r4_schema.stored()
    assert stored is not None, "the stored file is not used with these versions"
    assert {"ExplanationOfBenefit", "Patient", "Coverage", "Extension"} <= set(
        stored.header["types"]
    )
    assert list(stored.models) == list(built["models"])


def test_stored_entries_read_back_as_the_derived_schema(built):
    for ref in built["models"]:
        assert r4_schema.schema(ref) == r4_schema.derive(r4_schema.model_class(ref)), ref


def _leaves(node: Any, out: set) -> None:
    if isinstance(node, dict):
        for value in node.values():
            _leaves(value, out)
    elif isinstance(node, list):
        for value in node:
            _leaves(value, out)
    elif node is not None:
        out.add((type(node), node))


def _values() -> list[Any]:
    """Real values (emulator data, samples), generated ones and hostile ones."""
    found: set = set()
    for path in [*EMULATOR_DATA.glob("*/v[12]/*.json"), *SAMPLES.glob("*/v[12]/*.json")]:
        _leaves(read_json(path), found)
    rng = random.Random(7)
    for _ in range(1500):
        found.add((str, "".join(rng.choice(string.printable) for _ in range(rng.randint(0, 9)))))
        day = f"{rng.randint(0, 9999):04d}-{rng.randint(0, 13):02d}-{rng.randint(0, 32):02d}"
        clock = f"{rng.randint(0, 24):02d}:{rng.randint(0, 60):02d}:{rng.randint(0, 60):02d}"
        fraction = rng.choice(["", "." + "7" * rng.randint(1, 9)])
        zone = rng.choice(["", "Z", "+05:30", "-14:00", "+14:01", "+15:00"])
        found.update(
            (str, v) for v in (day, day[:7], day[:4], f"{day}T{clock}{fraction}{zone}", clock)
        )
        found.add((int, rng.randint(-(2**33), 2**33)))
        found.add((float, rng.uniform(-1e6, 1e6)))
    # Every character the two regex engines class differently, or might: whitespace of both
    # kinds, controls, separators, zero-width and combining marks, surrogates' neighbours, CJK.
    tricky = [*map(chr, range(0x00, 0x21)), *map(chr, range(0x7F, 0xA1))]
    tricky += [chr(c) for c in (0x1680, 0x180E, 0x2000, 0x200A, 0x200B, 0x2028, 0x2029)]
    tricky += [chr(c) for c in (0x202F, 0x205F, 0x3000, 0xFEFF, 0x0301, 0xD7FF, 0xE000)]
    tricky += ["é", "ß", "İ", "中", "😀", "\u00e9"]
    for _ in range(1500):
        text = "".join(rng.choice([*tricky, "a", "1", "-", "."]) for _ in range(rng.randint(1, 6)))
        found.update((str, v) for v in (text, f"a{text}", f"{text}b", f"José {text}"))
    hostile = [
        "", " ", "a\n", "\ta", "a  b", " a", "é", "ab\x1c", "\u2028", "x\x00", "=1+1", "\x1b[31m",
        "x" * 64, "x" * 65, "2024-02-29", "2023-02-29", "2016-12-31T23:59:60Z", "0001", "0000",
        "10:00:60", "12.50", "1e5", "urn:oid:1.2.3", "urn:oid:0.1", "http://x.org/a b", "true",
    ]  # fmt: skip
    found.update((type(v), v) for v in hostile)
    numbers = [True, False, 0, -1, 2**31 - 1, 2**31, -(2**31) - 1, 2**63, 1.5, 1e16, 1e-7, 10**30]
    found.update((type(v), v) for v in [*numbers, float("nan"), float("inf"), -0.0])
    return [value for _, value in sorted(found, key=repr)]


def test_primitive_checks_agree_with_the_pydantic_types(built):
    values = _values()
    types = {}
    for ref, (_, rows, *_) in built["models"].items():
        for key, _kind, _is_list, _sub, _enum, primitive in rows:
            if primitive is not None and primitive not in types:
                types[primitive] = r4_schema.item_types(r4_schema.model_class(ref))[key]
    assert set(types) == set(built["primitives"])
    sure = 0
    for name, tp in types.items():
        check, adapter = checker(built["primitives"][name]), TypeAdapter(tp)
        for value in values:
            if check(value) is None:
                continue
            sure += 1
            try:
                adapter.validate_python(value)
            except Exception as exc:
                raise AssertionError(f"{name} rejects {value!r}, the check accepts it") from exc
    # Most real values are answered without the types: that is the point of the checks.
    assert sure > len(values) * 3


def _structure(resources: list[dict]) -> list[list[tuple]]:
    found = [structure.check_structure(r, label="x", source=None) for r in resources]
    return [[(f.path, f.rule, f.message, f.value) for f in findings] for findings in found]


def _clear_caches() -> None:
    for cached in (r4_schema.stored, r4_schema.schema, r4_schema.resource_reference):
        cached.cache_clear()
    r4_schema.primitive_check.cache_clear()
    structure._PRIMITIVE_OK.clear()


def test_without_the_stored_file_the_walk_derives_the_same(monkeypatch, tmp_path):
    resources = [
        resource
        for path in sorted(EMULATOR_DATA.glob("*/v[12]/*.json"))
        for resource, _ in iter_resources(str(path))
    ]
    with_file = _structure(resources)
    assert any(with_file) and not all(with_file)
    monkeypatch.setattr(r4_schema, "SCHEMA_PATH", tmp_path / "missing.jsonl")
    _clear_caches()
    try:
        assert r4_schema.stored() is None
        assert _structure(resources) == with_file
    finally:
        monkeypatch.undo()
        _clear_caches()


def test_a_bb2_eob_is_checked_without_importing_the_models(tmp_path):
    """BB2's v2 EOBs miss required elements, which the walk reports itself: validating one
    imports neither pydantic nor an R4B model (the start-up cost of ``validate``)."""
    bundle = EMULATOR_DATA / "-88000000000001" / "v2" / "ExplanationOfBenefit.json"
    eob, _ = next(iter_resources(str(bundle)))
    source = tmp_path / "eob.json"
    source.write_bytes(orjson.dumps(eob))
    probe = (
        "import sys\n"
        "from bbmigrate.jsonio import read_json\n"
        "from bbmigrate.validate import Validator\n"
        f"result = Validator().validate(read_json({str(source)!r}))\n"
        "assert any(f.rule == 'cardinality' for f in result.findings), result.findings\n"
        "loaded = [m for m in sys.modules if m.startswith(('pydantic', 'fhir.resources.R4B.'))]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True)
