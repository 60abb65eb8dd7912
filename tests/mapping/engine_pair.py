"""The same resource through the generated rules and through the rule interpreter, for tests
that require the two to agree byte for byte."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import orjson
import pytest

from bbmigrate.errors import BBMigrateError, RuleError
from bbmigrate.mapping import engine, map_resource
from bbmigrate.mapping.loader import load_from
from bbmigrate.mapping.model import MappingSet
from bbmigrate.mapping.ops import apply
from bbmigrate.resources import mappings_dir


def patient_mapping(folder: Path, rules: str, tables: dict[str, str]) -> MappingSet:
    """The shipped mappings with ``rules`` as the Patient map and ``tables`` (name: YAML) added
    to the concept tables, copied under ``folder``."""
    root = folder / "mappings"
    shutil.copytree(mappings_dir(), root)
    (root / "patient.yaml").write_text(rules)
    for name, text in tables.items():
        (root / "concepts" / f"{name}.yaml").write_text(text)
    return load_from(root)


def interpreted_rules(mapping, rmap):
    def run(ctx, src, dst):
        for rule in rmap.rules:
            apply(rule, ctx, src, (), dst)
        ctx.maybe_empty.append((None, None))  # the interpreter keeps no marks: prune it all

    return run


def both(resource: dict, mapping, monkeypatch) -> tuple[bytes, bytes]:
    """What plain mapping gives, compiled and interpreted: the output, or the error text."""

    def run() -> bytes:
        try:
            return orjson.dumps(map_resource(copy.deepcopy(resource), mappings=mapping))
        except BBMigrateError as exc:
            return f"error: {exc}".encode()

    compiled = run()
    with monkeypatch.context() as patch:
        patch.setattr(engine, "compiled_rules", interpreted_rules)
        interpreted = run()
    return compiled, interpreted


def rule_errors(resource: dict, monkeypatch, mapping=None) -> list[str]:
    """The :class:`RuleError` texts that mapping ``resource`` gives, compiled and interpreted."""
    messages = []
    for interpreted in (False, True):
        with monkeypatch.context() as patch:
            if interpreted:
                patch.setattr(engine, "compiled_rules", interpreted_rules)
            with pytest.raises(RuleError) as err:
                map_resource(copy.deepcopy(resource), mappings=mapping)
        messages.append(str(err.value))
    return messages


SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def sample_resources() -> list[dict]:
    """Every v1 resource of the samples (Bundle entries unpacked): EOBs of all claim types."""
    found = []
    for path in sorted(SAMPLES.glob("*/v1/*.json")):
        doc = orjson.loads(path.read_bytes())
        if doc.get("resourceType") == "Bundle":
            found += [entry["resource"] for entry in doc.get("entry") or []]
        elif "resourceType" in doc:
            found.append(doc)
    return found
