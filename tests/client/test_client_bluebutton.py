"""BlueButtonClient on its own over loopback: reads, searches and the one-line errors for the
statuses it does not recover from (400, 404, 403 outside demographics)."""

from __future__ import annotations

import httpx
import pytest
from client_helpers import CREDENTIALS, USER

from bbmigrate.client import BearerAuth, BlueButtonClient, TokenHolder, login_with_password
from bbmigrate.emulator import password, patient_id, username
from bbmigrate.errors import ApiError


@pytest.fixture(scope="module")
def token(sandbox):
    return login_with_password(
        sandbox.url,
        username(USER),
        password(USER),
        client_id=CREDENTIALS.client_id,
        client_secret=CREDENTIALS.client_secret,
    )


@pytest.fixture
def client(sandbox, token):
    with httpx.Client(auth=BearerAuth(TokenHolder(token))) as http:
        yield BlueButtonClient(http, sandbox.url, "v1")


def test_reads_and_searches(client, token):
    assert client.patient(token.patient)["id"] == token.patient
    assert client.userinfo()["patient"] == token.patient
    coverage = client.coverage(token.patient, count=1)  # 4 pages of one
    assert coverage["total"] == len(coverage["entry"]) == 4
    assert client.pages == 4


def test_404_names_the_url_and_the_server_detail(client):
    with pytest.raises(ApiError) as info:
        client.patient("-1")
    assert info.value.status == 404 and info.value.exit_code == 3
    assert str(info.value) == f"{client.url('fhir/Patient/-1')}: HTTP 404: Not found."


def test_400_is_not_retried_and_shows_the_detail(sandbox, client):
    url = client.url("fhir/ExplanationOfBenefit/?startIndex=100000")
    with pytest.raises(ApiError) as info:
        client.get_json(url)
    assert info.value.status == 400
    assert "HTTP 400: " in str(info.value) and "startIndex" in str(info.value)
    assert "tries" not in str(info.value)


def test_403_for_another_patients_claims_is_an_error(client):
    with pytest.raises(ApiError) as info:
        client.eobs(patient_id(USER + 1))  # another beneficiary
    assert info.value.status == 403
    assert "You do not have permission" in str(info.value)
