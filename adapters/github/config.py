"""``[feedback.github]``: ideas become GitHub issues, and closing one moves the idea.

The token is a fine-grained personal access token (or a GitHub App installation token)
with *Issues: read and write* on ``repo``; it is a :class:`~pydantic.SecretStr`, so it is
never printed, and the log redacts it (:func:`bots.config.secrets_of`). ``webhook_secret``
is the secret of the repository's webhook that sends ``issues`` events to
``{public_url}/hooks/github``.
"""

from __future__ import annotations

import re

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, SecretStr, field_validator

DEFAULT_API_URL = "https://api.github.com"

REPO = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
TOKEN = re.compile(
    r"^(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{30,255}|[0-9a-f]{40})$"
)
"""Personal (classic ``ghp_``, fine-grained ``github_pat_``), OAuth ``gho_``, user-to-server
``ghu_``, installation ``ghs_``, refresh ``ghr_``, and the old 40 hex digits."""
MIN_SECRET = 16


class GithubConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    repo: str
    """``owner/name`` of the repository issues are opened in."""
    token: SecretStr
    webhook_secret: SecretStr
    api_url: AnyHttpUrl = AnyHttpUrl(DEFAULT_API_URL)
    """GitHub Enterprise Server (``https://HOST/api/v3``), or a loopback fake in tests."""

    @field_validator("repo")
    @classmethod
    def _owner_and_name(cls, repo: str) -> str:
        if not REPO.match(repo) or repo.endswith((".git", "/.", "/..")):
            raise ValueError(f"{repo!r} must look like owner/name, e.g. acme/app")
        return repo

    @field_validator("token")
    @classmethod
    def _token_shape(cls, token: SecretStr) -> SecretStr:
        # Never put the value in the message: it is a secret even when it is wrong.
        value = token.get_secret_value()
        if not value.strip():
            raise ValueError('is empty: set it to a GitHub token, e.g. token = "${GITHUB_TOKEN}"')
        if not TOKEN.match(value):
            raise ValueError(
                "does not look like a GitHub token (ghp_..., github_pat_..., ghs_...); "
                "create a fine-grained token with Issues: read and write on the repository"
            )
        return token

    @field_validator("webhook_secret")
    @classmethod
    def _secret_long_enough(cls, secret: SecretStr) -> SecretStr:
        value = secret.get_secret_value()
        if len(value) < MIN_SECRET or value != value.strip():
            raise ValueError(
                f"use at least {MIN_SECRET} random characters without surrounding spaces "
                "(e.g. openssl rand -hex 32), the same as in the repository's webhook settings"
            )
        return secret

    @property
    def base_url(self) -> str:
        """``api_url`` without a trailing slash, for joining paths."""
        return str(self.api_url).rstrip("/")
