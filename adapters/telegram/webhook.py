"""The webhook endpoint of both backends: 200 only once the update is stored.

Telegram takes a 200 as "delivered" and never sends that update again, so the answer waits
for the core to commit the update's events (aiogram's own handler with
``handle_in_background=True`` answers first and loses the update if the process dies
meanwhile; PTB's tornado server answers a wrong secret with 403). Telegram keeps several
connections open, so waiting for the group commit does not serialise the updates.

* a wrong or missing ``X-Telegram-Bot-Api-Secret-Token``: 401, nothing read;
* a body that is empty or not a JSON object, from a sender with the right secret: 400,
  logged once (Telegram would redeliver a 5xx, and this body will never be better);
* the update stored (or stored as :class:`~core.events.UpdateRejected`, or a redelivery the
  core recognises): 200;
* storing failed (database gone longer than the pipeline's retries) or the bot is stopping:
  503, so Telegram delivers it again later.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from townsquare.adapters.telegram.intake import IntakeClosed

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

Handle = Callable[[Any], Awaitable[None]]


def webhook_app(bot: str, path: str, secret: str, handle: Handle) -> web.Application:
    """The aiohttp application answering Telegram's POSTs on ``path``."""

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=401, text="wrong secret token")
        body = await request.read()
        try:
            update = json.loads(body) if body.strip() else None
        except ValueError:  # includes a body that is not UTF-8
            update = None
        if not isinstance(update, dict):
            what = "an empty body" if not body.strip() else "a body that is not a JSON object"
            log.warning("bot %s: webhook request with %s answered 400", bot, what)
            return web.Response(status=400, text="not an update")
        try:
            await handle(update)
        except IntakeClosed:
            return web.Response(status=503, text="stopping")
        except Exception as error:
            log.warning(
                "bot %s: update %s not stored, answered 503 for Telegram to deliver it again: %s",
                bot,
                update.get("update_id", "?"),
                error,
            )
            return web.Response(status=503, text="not stored")
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post(path, receive)
    return app


async def serve_webhook(
    bot: str, webhook_url: str, listen: str, secret: str, handle: Handle
) -> web.AppRunner:
    """Listen on ``listen`` (``host:port``) at the path of the public ``webhook_url``."""
    path = urlsplit(webhook_url).path or "/"
    host, _, port = listen.rpartition(":")
    # A stop waits this long for requests being stored before cutting them (unanswered:
    # Telegram delivers them again).
    runner = web.AppRunner(
        webhook_app(bot, path, secret, handle), shutdown_timeout=10.0, access_log=None
    )  # one line per update would drown the log; the handler logs what goes wrong
    await runner.setup()
    await web.TCPSite(runner, host or "0.0.0.0", int(port)).start()
    return runner
