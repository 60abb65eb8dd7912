"""The shortcuts the diff takes for speed agree with the general code they stand in for."""

import gc
from collections import OrderedDict

import pytest

from bbmigrate.diff.build import collector_paused
from bbmigrate.diff.filters import compile_selector, selected_paths
from bbmigrate.leaves import flatten

DOCS = [
    {"meta": {"lastUpdated": "2024-01-01"}},
    {"meta": {"lastUpdated": None}},
    {"meta": {"lastUpdated": {"nested": 1}}},
    {"meta": {}},
    {"meta": [{"lastUpdated": "in a list"}]},
    {"meta": "a string"},
    {},
    {"a": {"b": {"c": [1, 2]}}, "a_1": 0},
]
SELECTORS = ["$.meta.lastUpdated", "$.meta", "$.a.b.c", "$.a.b", "$.a_1", "$", "$.meta[*]"]


@pytest.mark.parametrize("selector", SELECTORS)
def test_field_only_selectors_select_what_jsonpath_ng_selects(selector):
    for doc in DOCS:
        general = {
            str(found.full_path).replace(".[", "[")
            for found in compile_selector(selector).find(doc)
        }
        assert selected_paths(selector, doc) == general, doc


def test_collector_resumes_as_it_was_even_after_an_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # the caller's choice is kept
    finally:
        gc.enable()


def test_flatten_walks_dict_and_list_subclasses_like_plain_ones():
    plain = {"a": [{"system": "s", "code": "1"}, None, 2], "b": {"c": True, "d": None}}
    odd = OrderedDict(a=[OrderedDict(system="s", code="1"), None, 2], b=OrderedDict(c=True, d=None))
    assert flatten(odd) == flatten(plain)
    assert [leaf.path for leaf in flatten(plain)] == ["a[0].system", "a[0].code", "a[2]", "b.c"]
    assert flatten(plain)[0].key == "a[system=s].system"
