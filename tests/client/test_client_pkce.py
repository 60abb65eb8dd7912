"""PKCE and state (unit). The full flow against the emulator is in test_login.py."""

import base64
import re

import pytest

from bbmigrate.client.pkce import (
    PKCE,
    UNRESERVED,
    make_state,
    make_verifier,
    s256_challenge,
    states_match,
)

# RFC 7636 Appendix B: the 32 random octets, their base64url verifier and the S256 challenge.
RFC_OCTETS = bytes(
    [116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186,
     22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121]
)  # fmt: skip
RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_rfc7636_appendix_b_vector():
    assert base64.urlsafe_b64encode(RFC_OCTETS).rstrip(b"=").decode() == RFC_VERIFIER
    assert s256_challenge(RFC_VERIFIER) == RFC_CHALLENGE


def test_verifiers_use_only_unreserved_characters_and_vary():
    pattern = re.compile(f"[{re.escape(UNRESERVED)}]{{43,128}}")
    seen = {make_verifier() for _ in range(50)}
    assert len(seen) == 50
    assert all(pattern.fullmatch(v) for v in seen)
    assert len(make_verifier(43)) == 43 and len(make_verifier(128)) == 128


@pytest.mark.parametrize("length", [42, 129])
def test_verifier_length_outside_rfc_range_is_refused(length):
    with pytest.raises(ValueError, match=r"43\.\.128"):
        make_verifier(length)


def test_challenge_is_unpadded_base64url():
    for _ in range(20):
        challenge = PKCE().challenge
        assert len(challenge) == 43
        assert re.fullmatch(r"[A-Za-z0-9_-]+", challenge)


def test_state_is_long_enough_and_compared_exactly():
    state = make_state()
    assert len(state) >= 16
    assert states_match(state, state)
    assert not states_match(state, state[:-1])
    assert not states_match(state, None)
    assert not states_match(state, "")


def test_repr_hides_the_secrets():
    pkce = PKCE()
    assert pkce.verifier not in repr(pkce) and pkce.state not in repr(pkce)
