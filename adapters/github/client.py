"""The few calls of GitHub's REST API townsquare makes, through aiohttp.

* ``GET /repos/{owner}/{repo}``: :meth:`GithubClient.check` (the token and the repository);
* ``POST /repos/{owner}/{repo}/issues``: :meth:`GithubClient.open_issue`;
* ``GET /repos/{owner}/{repo}/issues?state=all&sort=created&direction=desc``: finding an
  issue a try that may have reached GitHub opened already (below).

GitHub offers no idempotency key for creating an issue, and a 502 or a lost connection
may come after the issue was made. So every issue's body carries a hidden marker (an HTML
comment, invisible on github.com) unique to its request, and every try after the first
looks among the repository's newest issues for one that carries it before posting again:
a request repeated after a 5xx, a timeout or a crash finds the issue it opened instead of
opening a second one. (The list is read, not the search API: search is eventually
consistent, the list is not.)

Errors are classified as GitHub documents them: 5xx, timeouts, lost connections and rate
limits are :class:`GithubUnavailable` (transient; ``retry_after`` from ``Retry-After``,
or from ``x-ratelimit-reset`` when ``x-ratelimit-remaining`` is 0, or a minute for a
secondary limit that names no time, as GitHub asks); a bad token (401), a token without
the right (403), an unknown repository (404), issues switched off (410) and a refused
issue (422) are :class:`GithubRefused` (permanent), with a sentence an operator can act
on. Transient errors are retried here a few times with exponential backoff, honouring the
hint, before the caller (the worker, which keeps the request in the database) is told.
The token is sent only in the ``Authorization`` header and appears in no error or log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp

from townsquare.adapters.github.config import GithubConfig

log = logging.getLogger(__name__)
T = TypeVar("T")

USER_AGENT = "townsquare (+https://github.com/townsquare)"
API_VERSION = "2022-11-28"
SECONDARY_WAIT = 60.0
"""GitHub: without ``Retry-After`` or a reset time, wait at least a minute."""
LOOKBACK = 100
"""Newest issues read for a marker (one page): a retry comes within minutes of its try."""


class GithubError(Exception):
    """A call to GitHub that did not succeed; ``status`` is the HTTP status (0: none)."""

    def __init__(self, message: str, *, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class GithubRefused(GithubError):
    """GitHub will answer the same again: retrying is no use until the config changes."""


class GithubUnavailable(GithubError):
    """Try again later, after ``retry_after`` seconds when GitHub said so."""

    def __init__(self, message: str, *, status: int = 0, retry_after: float | None = None):
        super().__init__(message, status=status)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Issue:
    number: int
    url: str
    """``html_url``: the issue's page on GitHub."""
    body: str


Sleep = Callable[[float], Awaitable[None]]


class GithubClient:
    def __init__(
        self,
        config: GithubConfig,
        *,
        tries: int = 3,
        backoff_base: float = 1.0,
        backoff_cap: float = 30.0,
        max_wait: float = 120.0,
        timeout: float = 30.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.repo = config.repo
        self.base_url = config.base_url
        self._token = config.token
        self.tries = tries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_wait = max_wait
        """A hint longer than this is not waited out here: the caller schedules the retry."""
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._sleep = sleep
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers={
                    "Accept": "application/vnd.github+json",
                    "X-GitHub-Api-Version": API_VERSION,
                    "User-Agent": USER_AGENT,
                },
                timeout=self.timeout,
            )
        return self._session

    # -- calls --------------------------------------------------------------------------

    async def check(self) -> None:
        """Raise unless the token reaches the repository."""
        await self._retried(lambda: self._call("GET", f"/repos/{self.repo}"))

    async def open_issue(
        self, title: str, body: str, marker: str, *, maybe_opened: bool = False
    ) -> Issue:
        """Open an issue whose ``body`` contains ``marker``, once: with ``maybe_opened``
        (an earlier try may have reached GitHub), and before every retry here, the newest
        issues are looked through for the marker first."""
        payload = {"title": title, "body": body}
        looked = not maybe_opened

        async def attempt() -> Issue:
            nonlocal looked
            if not looked:
                found = await self.find_marked(marker)
                if found is not None:
                    log.info("GitHub issue #%d was opened by an earlier try", found.number)
                    return found
            looked = False  # whatever happens to this POST, the next try looks first
            answer = await self._call("POST", f"/repos/{self.repo}/issues", payload=payload)
            return _issue(answer)

        return await self._retried(attempt)

    async def find_marked(self, marker: str) -> Issue | None:
        """The newest issue whose body contains ``marker``, among the last :data:`LOOKBACK`."""
        params = {"state": "all", "sort": "created", "direction": "desc", "per_page": LOOKBACK}
        answer = await self._call("GET", f"/repos/{self.repo}/issues", params=params)
        for item in answer if isinstance(answer, list) else ():
            if isinstance(item, Mapping) and marker in str(item.get("body") or ""):
                return _issue(item)
        return None

    # -- plumbing -----------------------------------------------------------------------

    async def _retried(self, attempt: Callable[[], Awaitable[T]]) -> T:
        for number in range(1, self.tries + 1):
            try:
                return await attempt()
            except GithubUnavailable as error:
                wait = self._backoff(number, error.retry_after)
                if number == self.tries or wait > self.max_wait:
                    raise
                log.warning("GitHub: %s; retry %d/%d in %.1fs", error, number, self.tries - 1, wait)
                await self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, number: int, hinted: float | None) -> float:
        if hinted is not None:
            return max(hinted, 0.0)
        delay = min(self.backoff_cap, self.backoff_base * 2.0 ** (number - 1))
        return delay * random.uniform(0.8, 1.2)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        payload: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        headers = {"Authorization": f"Bearer {self._token.get_secret_value()}"}
        try:
            async with self._client().request(
                method, self.base_url + path, json=payload, params=params, headers=headers
            ) as response:
                text = await response.text()
                if response.status < 300:
                    return await response.json(content_type=None) if text else None
                raise self._failure(response.status, response.headers, text)
        except (aiohttp.ClientError, TimeoutError) as error:
            reason = type(error).__name__ if isinstance(error, TimeoutError) else str(error)
            raise GithubUnavailable(f"cannot reach {self.base_url}: {reason}") from None

    def _failure(self, status: int, headers: Mapping[str, str], text: str) -> GithubError:
        message = _message(text)
        said = f"{status} {message}".strip()
        limited = _rate_limit_wait(headers, message)
        if status in (403, 429) and limited is not None:
            return GithubUnavailable(f"rate limited ({said})", status=status, retry_after=limited)
        if status >= 500:
            return GithubUnavailable(f"GitHub answered {said}", status=status)
        match status:
            case 401:
                hint = "the token is wrong or expired: set [feedback.github] token"
            case 403:
                hint = f"the token may not open issues in {self.repo}: give it Issues: write"
            case 404:
                hint = f"{self.repo} does not exist or the token cannot see it"
            case 410:
                hint = f"issues are switched off in {self.repo}"
            case 422:
                hint = "GitHub refused the issue"
            case _:
                hint = "GitHub refused the request"
        return GithubRefused(f"{hint} ({said})", status=status)


def _issue(answer: Any) -> Issue:
    if not isinstance(answer, Mapping) or not isinstance(answer.get("number"), int):
        raise GithubUnavailable("GitHub's answer has no issue number")
    return Issue(
        number=int(answer["number"]),
        url=str(answer.get("html_url") or ""),
        body=str(answer.get("body") or ""),
    )


def _message(text: str) -> str:
    try:
        decoded = json.loads(text)
    except ValueError:
        return text[:200]
    if isinstance(decoded, Mapping):
        return str(decoded.get("message") or "")[:200]
    return ""


def _rate_limit_wait(headers: Mapping[str, str], message: str) -> float | None:
    """Seconds to wait when the answer is a rate limit, else None."""
    retry_after = headers.get("Retry-After")
    if retry_after is not None:
        try:
            return max(float(retry_after), 0.0)
        except ValueError:
            return SECONDARY_WAIT
    if headers.get("x-ratelimit-remaining") == "0":
        try:
            return max(float(headers.get("x-ratelimit-reset", "")) - time.time(), 1.0)
        except ValueError:
            return SECONDARY_WAIT
    if "rate limit" in message.lower():
        return SECONDARY_WAIT
    return None
