"""``POST /hooks/github``: GitHub's webhook, for issues townsquare opened for ideas.

Set it up in the repository's settings (Webhooks): payload URL ``{public_url}/hooks/github``,
content type ``application/json``, the secret of ``[feedback.github] webhook_secret``, and
the *Issues* event. What is answered:

* a missing or wrong ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body with the secret,
  compared with :func:`hmac.compare_digest`): **401**, and nothing else is read;
* ``ping`` (sent when the hook is made): 200 ``{"ok": "pong"}``;
* anything but an ``issues`` event with action ``closed``, of the configured repository,
  of an issue an idea's request opened, closed as ``completed`` or ``not_planned``:
  200 ``{"ignored": why}`` (GitHub needs no retry);
* a delivery whose ``X-GitHub-Delivery`` id reached the core before (a redelivery, a
  replay): 200 ``{"ignored": "replay"}``, and nothing changes;
* otherwise the delivery enters the core as a :class:`~core.events.GithubIssueClosed`
  event, through the pipeline like every platform event (stored, de-duplicated by its
  delivery id, processed once), and 200 ``{"ok": "stored"}`` is answered only once it is
  committed; if it cannot be (the bots are still starting, the database is gone) 503, and
  GitHub's *Redeliver* sends it again.

The event carries the bot and community the idea's request came from, so the idea's status
change and the notices to its voters go exactly the path ``/feedback status`` goes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from townsquare.bots.config import GithubConfig
from townsquare.core.events import GithubIssueClosed
from townsquare.core.refs import CommunityRef

log = logging.getLogger(__name__)

PATH = "/hooks/github"
MAX_BODY = 5 * 1024 * 1024
"""GitHub caps payloads at 25 MB; an ``issues`` event is a few kB (a long body at most)."""
REASONS = ("completed", "not_planned")
MARKER = re.compile(r"<!-- townsquare-request: [0-9a-f]{16,32} -->")
"""The hidden comment every idea's issue body carries (:mod:`storage.github_models`)."""
DELIVERY = re.compile(r"^[A-Za-z0-9-]{1,64}$")


def add_github_hook(app: web.Application, runtime: Any) -> None:
    """Route ``POST /hooks/github`` when ``[feedback.github]`` is configured."""
    feedback = getattr(runtime.config, "feedback", None)
    config: GithubConfig | None = getattr(feedback, "github", None)
    if config is None:
        return

    async def hook(request: web.Request) -> web.Response:
        return await receive(request, runtime, config)

    app.router.add_post(PATH, hook)


def signed(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is ``sha256=`` and the body's HMAC-SHA256 under ``secret``."""
    if not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.encode())


def _ignored(why: str) -> web.Response:
    return web.json_response({"ignored": why})


async def receive(request: web.Request, runtime: Any, config: GithubConfig) -> web.Response:
    result, response = await _answer(request, runtime, config)
    metrics = getattr(runtime, "metrics", None)
    if metrics is not None:
        metrics.inc("github.webhooks", result=result)
    return response


def _error(status: int, error: str) -> web.Response:
    return web.json_response({"error": error}, status=status)


async def _answer(
    request: web.Request, runtime: Any, config: GithubConfig
) -> tuple[str, web.Response]:
    """What to answer, and the result counted in ``github_webhooks``."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        return "too_large", _error(413, "too large")
    body = await request.content.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        return "too_large", _error(413, "too large")
    secret = config.webhook_secret.get_secret_value()
    if not signed(secret, body, request.headers.get("X-Hub-Signature-256")):
        log.warning("GitHub webhook with a missing or wrong signature refused (401)")
        return "bad_signature", _error(401, "bad signature")
    kind = request.headers.get("X-GitHub-Event", "")
    delivery = request.headers.get("X-GitHub-Delivery", "")
    if kind == "ping":
        return "ping", web.json_response({"ok": "pong"})
    if not DELIVERY.match(delivery):
        return "malformed", _error(400, "no delivery id")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return "malformed", _error(400, "not JSON")
    closed = _closed_issue(kind, payload, config.repo)
    if isinstance(closed, str):
        return "ignored", _ignored(closed)
    return await _store(runtime, config, delivery, payload, closed)


async def _store(
    runtime: Any,
    config: GithubConfig,
    delivery: str,
    payload: dict[str, Any],
    closed: tuple[int, str, str | None],
) -> tuple[str, web.Response]:
    """Hand a closed issue of an idea to the core; answer once it is committed."""
    number, reason, marker = closed
    issues = getattr(runtime, "github_issues", None)
    pipeline = getattr(runtime, "pipeline", None)
    if issues is None or pipeline is None:
        return "unavailable", _error(503, "starting; redeliver")
    try:
        found = await issues.of_issue(config.repo, number, marker)
        if found is None:
            return "ignored", _ignored("not an idea's issue")
        if await issues.seen(delivery):
            log.info("GitHub webhook delivery %s is a replay; ignored", delivery)
            return "replay", _ignored("replay")
        await pipeline.submit(_event(found, delivery, number, reason, payload))
    except Exception as error:
        log.warning("GitHub webhook delivery %s not stored: %s", delivery, error)
        return "unavailable", _error(503, "not stored")
    return "stored", web.json_response({"ok": "stored"})


def _closed_issue(kind: str, payload: Any, repo: str) -> tuple[int, str, str | None] | str:
    """(issue number, state reason, marker) of a closed issue of ``repo``, or why the
    delivery is ignored."""
    if kind != "issues":
        return f"{kind or 'unnamed'} events are not used"
    if not isinstance(payload, dict) or payload.get("action") != "closed":
        return "only closed issues are used"
    repository = payload.get("repository")
    full_name = repository.get("full_name") if isinstance(repository, dict) else None
    if not isinstance(full_name, str) or full_name.lower() != repo.lower():
        return "another repository"
    issue = payload.get("issue")
    number = issue.get("number") if isinstance(issue, dict) else None
    if not isinstance(issue, dict) or not isinstance(number, int) or "pull_request" in issue:
        return "not an issue"
    reason = issue.get("state_reason") or "completed"  # GitHub's default close reason
    if reason not in REASONS:
        return f"closed as {reason}"
    marked = MARKER.search(str(issue.get("body") or ""))
    return number, str(reason), marked.group(0) if marked else None


def _event(
    found: Any, delivery: str, number: int, reason: str, payload: dict[str, Any]
) -> GithubIssueClosed:
    sender = payload.get("sender")
    login = sender.get("login") if isinstance(sender, dict) else None
    issue = payload["issue"]
    return GithubIssueClosed(
        platform=found.platform,
        bot=found.bot,
        event_id=f"github:{delivery}",
        occurred_at=datetime.now(UTC),
        community=(
            CommunityRef(found.platform, found.community_id)
            if found.community_id is not None
            else None
        ),
        channel=None,
        actor=None,
        raw=payload,
        request_id=found.id,
        delivery_id=delivery,
        repo=found.repo,
        number=number,
        state_reason=reason,
        closed_by=str(login or "")[:100],
        url=str(issue.get("html_url") or "")[:512],
    )
