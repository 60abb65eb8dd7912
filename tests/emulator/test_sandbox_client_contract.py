"""Contract with the project's own fetch client: through injected faults, over loopback, the
client gets exactly the population's data for a user in both versions."""

from __future__ import annotations

import json

from sandbox_helpers import DATA

from bbmigrate.client import ClientCredentials, PasswordLogin, fetch_beneficiary
from bbmigrate.client.retry import RetryPolicy
from bbmigrate.emulator import DEFAULT_CLIENT, SandboxConfig, create_app, serve_in_thread


def test_fetch_client_reads_the_population_through_faults(tmp_path):
    config = SandboxConfig(data_dir=DATA, fault_rate=0.2, fault_statuses=(429, 502, 503), seed=1)
    app = create_app(config)
    user = app.state.sandbox.population.user(42)
    with serve_in_thread(app) as url:
        fetch_beneficiary(
            url,
            tmp_path / "bene",
            credentials=ClientCredentials(DEFAULT_CLIENT.client_id, DEFAULT_CLIENT.client_secret),
            login=PasswordLogin("BBUser00042", "PW00042!"),
            count=50,
            retry=RetryPolicy(attempts=10, sleep=lambda seconds: None),
        )
    assert sum(app.state.sandbox.faults.injected.values()) > 0
    for version in ("v1", "v2"):
        folder = tmp_path / "bene" / version
        eobs = json.loads((folder / "ExplanationOfBenefit.json").read_text())
        assert [e["resource"] for e in eobs["entry"]] == [c.forms[version] for c in user.claims]
        assert eobs["total"] == len(user.claims)
        patient = json.loads((folder / "Patient.json").read_text())
        assert patient == user.patients[version]
        coverage = json.loads((folder / "Coverage.json").read_text())
        assert [e["resource"] for e in coverage["entry"]] == user.coverages[version]
