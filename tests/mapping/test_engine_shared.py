"""Generated functions and their constants are named by their content, in one namespace per
mapping set: what claim types have in common is one function, and nothing that differs is
shared (a constant filled from a claim type's variables, a table chosen by one)."""

from __future__ import annotations

import re
import shutil

import orjson
import pytest

from bbmigrate.mapping import codegen
from bbmigrate.mapping.loader import load_from
from bbmigrate.resources import mappings_dir, samples_dir

from .engine_pair import both, patient_mapping

_DEF = re.compile(r"^def (\w+)\(", re.M)


def _runs(mapping):
    return {
        name: codegen.compiled_rules(mapping, mapping.for_resource("ExplanationOfBenefit", name))
        for name in mapping.claim_types
    }


def test_claim_types_share_the_functions_they_have_in_common():
    eob = load_from(mappings_dir())
    runs = _runs(eob)
    defined = {name: set(_DEF.findall(run.__bbmigrate_source__)) for name, run in runs.items()}
    namespace = next(iter(runs.values())).__globals__
    assert all(run.__globals__ is namespace for run in runs.values())
    # one object per name, whichever claim type asked for it first
    assert all(name in namespace for names in defined.values() for name in names)
    in_all = set.intersection(*defined.values())
    assert len(in_all) >= 10, "the builders of eob/common.yaml should be shared by all"
    per_type = sum(len(namespace[n].__code__.co_code) for names in defined.values() for n in names)
    distinct = sum(len(namespace[n].__code__.co_code) for n in set.union(*defined.values()))
    assert distinct < per_type / 2


def test_a_new_mapping_set_has_its_own_functions():
    first, second = load_from(mappings_dir()), load_from(mappings_dir())
    one = codegen.compiled_rules(first, first.for_resource("ExplanationOfBenefit", "carrier"))
    two = codegen.compiled_rules(second, second.for_resource("ExplanationOfBenefit", "carrier"))
    assert one is not two and one.__globals__ is not two.__globals__
    assert one.__bbmigrate_source__ == two.__bbmigrate_source__  # named by content alone


IDENTIFIER_COPY = "      - {id: eob.identifier.copy,"
# nested in a builder every claim type has: a constant and a lookup that read a variable
# holding the claim type (``VAR``: the loader's own, or one each claim file sets, with a
# hyphen as variable names may have)
PER_TYPE = "".join(
    f"      - {{{rule}, note: test.}}\n"
    for rule in (
        'id: t.kind, op: constant, v2: "extension[+]", '
        'value: {url: "urn:t:kind", valueString: "${VAR}"}',
        'id: t.look, op: lookup, v1: system, v2: "extension[+].valueString", '
        'table: "t-${VAR}", default: drop',
    )
)
CLAIM_GROUP = "https://bluebutton.cms.gov/resources/identifier/claim-group"


@pytest.fixture(params=["claim_type", "claim-kind"])
def per_type_mapping(tmp_path, request):
    root = tmp_path / "mappings"
    shutil.copytree(mappings_dir(), root)
    common = root / "eob" / "common.yaml"
    text = common.read_text()
    assert text.count(IDENTIFIER_COPY) == 1
    rules = PER_TYPE.replace("VAR", request.param)
    common.write_text(text.replace(IDENTIFIER_COPY, rules + IDENTIFIER_COPY))
    if request.param != "claim_type":  # each claim file sets it
        for kind in load_from(mappings_dir()).claim_types:
            own = root / "eob" / f"{kind}.yaml"
            text = own.read_text()
            assert text.count("\nvars:\n") == 1
            own.write_text(text.replace("\nvars:\n", f"\nvars:\n  {request.param}: {kind}\n"))
    (root / "concepts" / "t-tables.yaml").write_text(
        "tables:\n"
        + "".join(
            f"  - id: t-{kind}\n    note: One table per claim type.\n"
            f"    rows:\n      {CLAIM_GROUP}: {kind}-row\n"
            for kind in load_from(mappings_dir()).claim_types
        )
    )
    return load_from(root)


def _eobs_by_type() -> dict[str, dict]:
    found: dict[str, dict] = {}
    for bundle in sorted(samples_dir().glob("*/v1/ExplanationOfBenefit.json")):
        for entry in orjson.loads(bundle.read_bytes()).get("entry", []):
            resource = entry["resource"]
            kind = resource["id"].split("-", 1)[0]
            if resource.get("identifier"):
                found.setdefault(kind, resource)
    return found


def test_what_reads_a_claim_type_variable_is_not_shared(per_type_mapping, monkeypatch):
    eobs = _eobs_by_type()
    assert {"carrier", "dme", "pde"} <= set(eobs), sorted(eobs)
    seen = {}
    for kind in ("carrier", "dme", "pde"):
        compiled, interpreted = both(eobs[kind], per_type_mapping, monkeypatch)
        assert compiled == interpreted
        out = orjson.loads(compiled)
        seen[kind] = [
            ext.get("valueString")
            for ident in out["identifier"]
            for ext in ident.get("extension", [])
        ]
    for kind, values in seen.items():
        assert values and all(v in (kind, f"{kind}-row") for v in values), (kind, values)
    assert "carrier-row" in seen["carrier"] and "dme-row" in seen["dme"]
    runs = _runs(per_type_mapping)
    sources = {kind: runs[kind].__bbmigrate_source__ for kind in ("carrier", "dme")}
    builders = [
        {n for n in _DEF.findall(text) if n.startswith("build_")} for text in sources.values()
    ]
    # the identifier builder differs (its constants do), the careTeam builders of the two
    # professional claim types need not: shared where equal, apart where not
    assert builders[0] != builders[1] and builders[0] & builders[1]


DATED = """resource: Patient
note: Two constants whose values have no content key (YAML dates), in two builders.
rules:
  - id: d.names
    op: each
    v1: "name[*]"
    v2: "name[+]"
    note: n
    rules:
      - {id: d.names.family, op: copy, v1: family, v2: family, note: n}
      - {id: d.names.period, op: constant, v2: period, value: {start: 2020-01-01}, note: n}
  - id: d.contacts
    op: each
    v1: "name[*]"
    v2: "contact[+]"
    note: n
    rules:
      - {id: d.contacts.family, op: copy, v1: family, v2: name.family, note: n}
      - {id: d.contacts.period, op: constant, v2: period, value: {start: 2021-02-02}, note: n}
"""


def test_values_without_a_content_key_are_never_shared(tmp_path, monkeypatch):
    """A constant the generator cannot name by content (here a date YAML gives) is its own
    object: two such constants never share one name, so neither replaces the other."""
    mapping = patient_mapping(tmp_path, DATED, {})
    patient = {"resourceType": "Patient", "id": "p", "name": [{"family": "F"}]}
    compiled, interpreted = both(patient, mapping, monkeypatch)
    assert compiled == interpreted
    out = orjson.loads(compiled)
    assert out["name"][0]["period"] == {"start": "2020-01-01"}
    assert out["contact"][0]["period"] == {"start": "2021-02-02"}
