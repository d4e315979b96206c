"""``platform = "telegram"``: the adapter on aiogram 3.

Inbound goes through one async outer middleware on ``Dispatcher.update`` (no filters: aiogram
runs synchronous filters in a thread, about +230 µs each) which hands the update's JSON to
the shared :class:`~adapters.telegram.intake.Intake`. Long polling is aiogram's own (updates
handled as concurrent tasks, so the core's group commit batches a burst) and stops with
``Dispatcher.stop_polling()``: cancelling the polling task instead makes aiogram log
spurious disconnect errors. Webhook mode uses aiogram's aiohttp handler, which refuses a
wrong ``X-Telegram-Bot-Api-Secret-Token`` with 401 and answers before processing.

Outbound runs the Bot API plan shared with the python-telegram-bot backend
(:func:`adapters.telegram.outbound.plan`) as aiogram method objects, which validate every
field. Retries and rate shaping are the core delivery worker's: aiogram's errors are
translated into :mod:`core.errors`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher, methods
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import BufferedInputFile, TelegramObject
from aiohttp import web

from adapters.common_config import secret_value
from adapters.telegram.config import TelegramBotConfig
from adapters.telegram.inbound import ALLOWED_UPDATES, BotIdentity
from adapters.telegram.intake import Intake
from adapters.telegram.outbound import (
    CAPABILITIES,
    HARMLESS,
    LIMITS,
    ApiCall,
    is_direct,
    menu_calls,
    migrated,
    no_private_chat,
    plan,
    sent_ref,
)
from core.actions import Action, EditMessage
from core.errors import (
    DirectMessageRefused,
    PermanentDeliveryError,
    RateLimited,
    TransientDeliveryError,
)
from core.ports import AdapterDeps, Delivered, EventSink
from core.refs import MessageRef

log = logging.getLogger(__name__)

DEFAULT_API = "https://api.telegram.org"


def translate_error(error: Exception, *, direct: bool = False) -> Exception:
    """aiogram's exception -> the core's delivery error (the worker decides on retries)."""
    if isinstance(error, TelegramRetryAfter):
        return RateLimited(str(error.message), retry_after=float(error.retry_after))
    if isinstance(error, TelegramServerError | TelegramNetworkError):
        return TransientDeliveryError(str(error))
    if isinstance(error, TelegramForbiddenError | TelegramNotFound) or (
        direct and isinstance(error, TelegramBadRequest) and no_private_chat(str(error))
    ):
        return DirectMessageRefused(str(error)) if direct else PermanentDeliveryError(str(error))
    if isinstance(error, TelegramAPIError):
        return PermanentDeliveryError(str(error))
    return error


class AiogramAdapter:
    platform = "telegram"
    capabilities = CAPABILITIES
    limits = LIMITS

    def __init__(self, config: TelegramBotConfig, deps: AdapterDeps) -> None:
        self.config = config
        self.deps = deps
        self.bot = config.name
        self.platform = config.platform
        base = str(config.api_url).rstrip("/") if config.api_url else DEFAULT_API
        session = AiohttpSession(api=TelegramAPIServer.from_base(base))
        self.client = Bot(secret_value(config.token), session=session)
        self.dispatcher = Dispatcher()
        self.dispatcher.update.outer_middleware(self._on_update)
        self.intake = Intake(self.platform, self.bot, self._administrators)
        self._polling: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self, sink: EventSink) -> None:
        try:
            me = await self.client.get_me()
            identity = BotIdentity(me.id, me.username or "", bool(me.can_read_all_group_messages))
            self.intake.open(identity, sink)
            await self._publish_menu()
            if self.config.mode == "webhook":
                await self._start_webhook()
            else:
                await self.client.delete_webhook(drop_pending_updates=False)
                self._start_polling()
        except TelegramUnauthorizedError:
            await self.client.session.close()
            raise RuntimeError(
                f"Telegram rejected the token of bot {self.bot!r} (check token in the config)"
            ) from None
        except (TelegramNetworkError, OSError) as error:
            await self.client.session.close()
            raise RuntimeError(f"bot {self.bot!r} cannot start: {error}") from None

    def _start_polling(self) -> None:
        self._polling = asyncio.create_task(
            self.dispatcher.start_polling(
                self.client,
                allowed_updates=ALLOWED_UPDATES,
                handle_signals=False,  # the runtime owns SIGINT/SIGTERM
                close_bot_session=False,  # perform() keeps working while the outbox drains
                polling_timeout=self.config.poll_timeout,
            ),
            name=f"telegram-polling-{self.bot}",
        )

    async def _start_webhook(self) -> None:
        from aiogram.webhook.aiohttp_server import SimpleRequestHandler

        assert self.config.webhook_url is not None
        path = urlsplit(str(self.config.webhook_url)).path or "/"
        secret = secret_value(self.config.webhook_secret)
        app = web.Application()
        SimpleRequestHandler(self.dispatcher, self.client, secret_token=secret).register(
            app, path=path
        )
        host, _, port = self.config.listen.rpartition(":")
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, host or "0.0.0.0", int(port)).start()
        await self.client.set_webhook(
            str(self.config.webhook_url), secret_token=secret, allowed_updates=ALLOWED_UPDATES
        )

    async def _publish_menu(self) -> None:
        """The "/" menu by role; a failure costs only the menu, so it is logged."""
        for call in menu_calls(self.deps.commands):
            try:
                await self._call(call)
            except TelegramAPIError as error:
                log.warning("bot %s: cannot publish the command menu: %s", self.bot, error)
                return

    async def stop(self) -> None:
        """Stop receiving, then let updates already received reach the core."""
        if self._polling is not None:
            with contextlib.suppress(RuntimeError):  # polling had already ended
                await self.dispatcher.stop_polling()
            with contextlib.suppress(asyncio.CancelledError):
                await self._polling
            self._polling = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.intake.close()

    async def close(self) -> None:
        await self.client.session.close()

    # -- inbound --------------------------------------------------------------------------

    async def _on_update(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        update: TelegramObject,
        data: dict[str, Any],
    ) -> None:
        """The only inbound path: every update, as Bot API JSON, to the shared intake.

        ``handler`` (aiogram's routers) is never called: the core routes."""
        await self.intake.handle(update.model_dump(mode="json", exclude_none=True, by_alias=True))

    async def _administrators(self, chat_id: int) -> list[dict[str, Any]]:
        members = await self.client.get_chat_administrators(chat_id)
        return [member.model_dump(mode="json", by_alias=True) for member in members]

    # -- outbound -------------------------------------------------------------------------

    async def _call(self, call: ApiCall) -> Any:
        method = getattr(methods, call.method[0].upper() + call.method[1:])
        params = dict(call.params)
        if call.upload is not None:
            upload = call.upload
            params[upload.field] = BufferedInputFile(upload.data, filename=upload.filename)
        return await self.client(method(**params))

    async def perform(self, action: Action) -> Delivered:
        """Execute the shared Bot API plan with aiogram's typed method objects."""
        direct = is_direct(action)
        sent: list[MessageRef] = []
        for planned in plan(action):
            call = planned
            try:
                try:
                    result = await self._call(call)
                except TelegramMigrateToChat as moved:
                    # The group became a supergroup with a new id: Telegram says which.
                    call = migrated(call, moved.migrate_to_chat_id)
                    result = await self._call(call)
            except TelegramBadRequest as error:
                if any(text in str(error).lower() for text in HARMLESS):
                    continue
                raise translate_error(error, direct=direct) from error
            except (TelegramAPIError, TelegramNetworkError) as error:
                raise translate_error(error, direct=direct) from error
            if call.sends_message:
                sent.append(sent_ref(call, result.message_id))
        if isinstance(action, EditMessage) and action.message is not None:
            return Delivered((action.message,))
        return Delivered(tuple(sent))


def create_adapter(config: TelegramBotConfig, deps: AdapterDeps) -> AiogramAdapter:
    return AiogramAdapter(config, deps)
