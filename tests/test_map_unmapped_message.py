"""``bbmigrate map --unmapped`` says so when every leaf is mapped, instead of printing nothing."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bbmigrate.cli import main

PATIENT = {
    "resourceType": "Patient",
    "id": "1",
    "gender": "male",
    "identifier": [
        {"system": "https://bluebutton.cms.gov/resources/variables/bene_id", "value": "1"}
    ],
}


def test_no_unmapped_leaves_is_said_and_a_new_leaf_is_listed_instead(tmp_path):
    src = tmp_path / "p.json"
    src.write_text(json.dumps(PATIENT))
    clean = CliRunner().invoke(main, ["map", "--unmapped", str(src)])
    assert clean.exit_code == 0, clean.output
    assert clean.stdout == "no unmapped leaves\n"

    src.write_text(json.dumps({**PATIENT, "newThing": "x"}))
    found = CliRunner().invoke(main, ["map", "--unmapped", str(src)])
    assert found.stdout == f"{src}: newThing\n"
