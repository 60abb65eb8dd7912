"""The Blue Button 2.0 fetch client: OAuth2 with PKCE, token file, paging, retries, fetch.

Public entry points: :func:`fetch_beneficiary` (what ``bbmigrate fetch`` and the demo call),
:class:`BlueButtonClient`, :func:`login_with_password` (emulator), :func:`login_in_browser`, and
:class:`TokenStore`. The client never imports the emulator, and the emulator never imports it.
"""

from .bluebutton import CLAIM_TYPES, BlueButtonClient, ForbiddenError
from .fetch import SANDBOX_URL, ClientCredentials, PasswordLogin, fetch_beneficiary
from .login import CallbackListener, login_in_browser, login_with_password
from .manifest import Manifest
from .oauth import BearerAuth, OAuthApp, TokenHolder, authorize_url, exchange_code, refresh
from .pkce import PKCE, make_state, make_verifier, s256_challenge, states_match
from .retry import RetryPolicy
from .tokens import Token, TokenStore

__all__ = [
    "CLAIM_TYPES",
    "PKCE",
    "SANDBOX_URL",
    "BearerAuth",
    "BlueButtonClient",
    "CallbackListener",
    "ClientCredentials",
    "ForbiddenError",
    "Manifest",
    "OAuthApp",
    "PasswordLogin",
    "RetryPolicy",
    "Token",
    "TokenHolder",
    "TokenStore",
    "authorize_url",
    "exchange_code",
    "fetch_beneficiary",
    "login_in_browser",
    "login_with_password",
    "make_state",
    "make_verifier",
    "refresh",
    "s256_challenge",
    "states_match",
]
