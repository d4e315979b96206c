"""The rules of dashboard logins: tokens, their lifetime, sessions and grants.

A login token is 32 random bytes from :mod:`secrets` (URL-safe base64), stored as its
SHA-256 only, valid :data:`TOKEN_TTL`, used once. A session lasts :data:`SESSION_TTL`
from login; a grant (an account seen managing a community) :data:`GRANT_TTL` from the
last ``/dashboard`` there, unless the account is seen as a plain member there first.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

TOKEN_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=12)
GRANT_TTL = timedelta(days=30)
WEB_EVENT_PREFIX = "web:"
"""Event ids of actions taken on the dashboard start with this (:mod:`core.dashboard.answers`)."""
WEB_CHANNEL_PREFIX = "web:"
"""The channel of an event from the web: answers addressed there go back to the page."""


def new_secret() -> str:
    """A fresh unguessable token (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


def digest(value: str) -> str:
    """What is stored of a token or a session secret."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def login_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/login/{token}"
