"""The engine's untracked fast paths agree with the general, tracked ones.

``map_resource`` takes shortcuts that ``map_with_provenance`` and ``unmapped`` do not (no concrete
v1 paths, a whole-element copy taken as the new element, no bookkeeping): on every reference
and sample input both must build the same document, and neither may change its input.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from bbmigrate.errors import BBMigrateError
from bbmigrate.mapping import load_mappings, map_resource, map_with_provenance
from bbmigrate.mapping.engine import _run
from bbmigrate.mapping.paths import compile_path, fill, first, values

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def _inputs(bfd_responses: Path) -> list[Path]:
    ref = sorted(p for p in (bfd_responses / "v1").glob("*.json") if p.stem != "metadata")
    samples = sorted(p for p in SAMPLES.glob("*/v1/*.json") if p.stem != "userinfo")
    return ref + samples


@pytest.mark.reference
@pytest.mark.parametrize("quirks", [True, False])
def test_fast_and_tracked_mapping_build_the_same_document(bfd_responses, quirks):
    mapping = load_mappings(quirks=quirks)
    inputs = _inputs(bfd_responses)
    assert len(inputs) >= 12
    for path in inputs:
        data = path.read_bytes()
        resource = orjson.loads(data)
        fast = map_resource(resource, mappings=mapping)
        assert orjson.dumps(resource) == orjson.dumps(orjson.loads(data)), f"{path} changed"
        tracked, records = map_with_provenance(orjson.loads(data), mappings=mapping)
        assert records, path
        sort = orjson.OPT_SORT_KEYS
        assert orjson.dumps(fast, option=sort) == orjson.dumps(tracked, option=sort), path


@pytest.mark.reference
def test_untracked_run_keeps_no_bookkeeping(bfd_responses):
    eob = orjson.loads((bfd_responses / "v1" / "eobReadCarrier.json").read_bytes())
    mapping = load_mappings()
    _, ctx = _run(eob, mapping, track=False, provenance=False)
    assert not ctx.consumed and not ctx.records and not ctx.children
    _, ctx = _run(eob, mapping, track=True, provenance=True)
    assert ctx.consumed and ctx.records


def test_bundle_entry_error_names_its_position_without_tracking():
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": "1"}},
            {"resource": {"resourceType": "Observation", "id": "2"}},
        ],
    }
    with pytest.raises(BBMigrateError) as err:
        map_resource(bundle)
    assert "entry[1].resource" in str(err.value)
    assert "Observation" in str(err.value)


def test_paths_are_compiled_once_and_plain_paths_are_not_refilled():
    path = compile_path("extension[url=${base}x].valueMoney")
    assert compile_path("extension[url=${base}x].valueMoney") is path
    assert path.templated
    assert fill(path, {"base": "http://a/"})[0][3] == "http://a/x"
    plain = compile_path("item[*].adjudication.amount")
    assert not plain.templated and fill(plain, {"base": "y"}) is plain
    assert compile_path("a.b.c").fields == ("a", "b", "c")
    assert plain.fields is None


def test_first_follows_document_order_through_lists():
    doc = {
        "a": [
            {"b": {"c": 1}},
            {"b": [{"x": 0}, {"c": None}, {"c": 3}]},
            [{"b": {"c": 4}}],
        ]
    }
    for text in ("a.b.c", "a.b", "a", "a.x", "a.b.c.d"):
        path = compile_path(text)
        found = values(doc, path)
        assert first(doc, path, "none") == (found[0] if found else "none"), text
    assert first(doc, compile_path("a.b.c")) == 1
    assert first({"a": [{"b": [{"c": None}, {"c": 2}]}]}, compile_path("a.b.c"), "d") is None
