"""Our samples use BFD's vocabulary: every BB variable URL they carry is one BFD knows."""

from __future__ import annotations

import re

import pytest
from sample_files import VERSIONS, data_files

VARIABLE = re.compile(r"https://bluebutton\.cms\.gov/resources/variables/([a-z0-9_]+)")


def _variables(texts) -> set[str]:
    return {name for text in texts for name in VARIABLE.findall(text)}


@pytest.mark.reference
@pytest.mark.parametrize("version", VERSIONS)
def test_every_variable_is_in_the_data_dictionary_or_bfd_responses(version, reference_dir):
    dictionary = reference_dir / "bfd" / "data-dictionary" / "data" / version.upper()
    responses = reference_dir / "bfd" / "endpoint-responses" / version
    known = _variables(p.read_text(encoding="utf-8") for p in dictionary.glob("*.json"))
    known |= _variables(p.read_text(encoding="utf-8") for p in responses.glob("*.json"))
    ours = _variables(
        p.read_text(encoding="utf-8") for p in data_files() if f"/{version}/" in p.as_posix()
    )
    assert len(ours) > 250
    assert sorted(ours - known) == []
