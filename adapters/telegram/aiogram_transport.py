"""``platform = "telegram"``: the adapter on aiogram 3.

Inbound does not go through aiogram at all: long polling is
:class:`~adapters.telegram.polling.Poller` and webhook mode
:func:`~adapters.telegram.webhook.serve_webhook`, both shared with the python-telegram-bot
backend. Both read the Bot API's raw JSON and hand it to the shared
:class:`~adapters.telegram.intake.Intake`, and both confirm an update to Telegram (the
polling offset, the webhook's 200) only once the core has committed it. aiogram's own
poller confirms on fetch and its webhook handler answers before handling, so a process
killed meanwhile lost those updates; its models also made one undecodable update fail a
whole ``getUpdates`` answer, and dumping them back to JSON failed on messages carrying
``link_preview_options``.

Outbound runs the Bot API plan shared with the python-telegram-bot backend
(:func:`adapters.telegram.outbound.plan`) as aiogram method objects, which validate every
field. Retries and rate shaping are the core delivery worker's: aiogram's errors are
translated into :mod:`core.errors`.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, methods
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
from aiogram.types import BufferedInputFile
from aiohttp import web

from townsquare.adapters.common_config import secret_value
from townsquare.adapters.telegram.config import TelegramBotConfig
from townsquare.adapters.telegram.errors import Failure, delivery_error
from townsquare.adapters.telegram.inbound import ALLOWED_UPDATES, BotIdentity
from townsquare.adapters.telegram.intake import Intake
from townsquare.adapters.telegram.outbound import (
    CAPABILITIES,
    HARMLESS,
    LIMITS,
    ApiCall,
    is_direct,
    menu_calls,
    migrated,
    plan,
    refused_as_photo,
    sent_ref,
)
from townsquare.adapters.telegram.polling import Poller
from townsquare.adapters.telegram.webhook import serve_webhook
from townsquare.core.actions import Action, EditMessage, PinMessage, UnpinMessage
from townsquare.core.ports import AdapterDeps, Delivered, EventSink
from townsquare.core.refs import MessageRef

log = logging.getLogger(__name__)

DEFAULT_API = "https://api.telegram.org"


def translate_error(error: Exception, *, direct: bool = False) -> Exception:
    """aiogram's exception -> the core's delivery error (the worker decides on retries)."""
    match error:
        case TelegramRetryAfter():
            failure, wait = Failure.RETRY_AFTER, float(error.retry_after)
            return delivery_error(failure, str(error.message), direct=direct, retry_after=wait)
        case TelegramServerError():
            failure = Failure.SERVER
        case TelegramNetworkError():
            failure = Failure.NETWORK
        case TelegramForbiddenError():
            failure = Failure.FORBIDDEN
        case TelegramNotFound():
            failure = Failure.NOT_FOUND
        case TelegramBadRequest():
            failure = Failure.BAD_REQUEST
        case TelegramAPIError():
            failure = Failure.OTHER
        case _:
            return error
    return delivery_error(failure, str(error), direct=direct)


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
        self.intake = Intake(self.platform, self.bot, self._administrators)
        self.poller = Poller(
            bot=self.bot,
            api_base=base,
            token=secret_value(config.token),
            handle=self.intake.handle,
            handle_batch=self.intake.handle_batch,
            timeout=config.poll_timeout,
        )
        self._polling = False
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
        self.poller.start()
        self._polling = True

    async def _start_webhook(self) -> None:
        assert self.config.webhook_url is not None
        secret = secret_value(self.config.webhook_secret)
        self._runner = await serve_webhook(
            self.bot, str(self.config.webhook_url), self.config.listen, secret, self.intake.handle
        )
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
        """Stop receiving, letting updates being stored finish; nothing uncommitted is
        confirmed, so Telegram sends it again at the next start."""
        if self._polling:
            await self.poller.stop()
            self._polling = False
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.intake.close()

    async def close(self) -> None:
        await self.client.session.close()

    # -- inbound --------------------------------------------------------------------------

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

    async def _send(self, call: ApiCall) -> tuple[ApiCall, Any]:
        """``call`` and its result, or the call it became: addressed to the supergroup a
        group was upgraded to, or its fallback when a picture is refused as a photo."""
        try:
            try:
                return call, await self._call(call)
            except TelegramMigrateToChat as moved:
                # The group became a supergroup with a new id: Telegram says which.
                call = migrated(call, moved.migrate_to_chat_id)
                return call, await self._call(call)
        except TelegramBadRequest as error:
            instead = refused_as_photo(call, str(error))
            if instead is None:
                raise
            log.info("bot %s: %s refused (%s); sent as a document", self.bot, call.method, error)
            return await self._send(instead)

    async def perform(self, action: Action) -> Delivered:
        """Execute the shared Bot API plan with aiogram's typed method objects."""
        direct = is_direct(action)
        sent: list[MessageRef] = []
        for planned in plan(action):
            try:
                call, result = await self._send(planned)
            except TelegramBadRequest as error:
                if any(text in str(error).lower() for text in HARMLESS):
                    continue
                raise translate_error(error, direct=direct) from error
            except (TelegramAPIError, TelegramNetworkError) as error:
                raise translate_error(error, direct=direct) from error
            if call.sends_message:
                sent.append(sent_ref(call, result.message_id))
        if (
            isinstance(action, EditMessage | PinMessage | UnpinMessage)
            and action.message is not None
        ):
            return Delivered((action.message,))
        return Delivered(tuple(sent))


def create_adapter(config: TelegramBotConfig, deps: AdapterDeps) -> AiogramAdapter:
    return AiogramAdapter(config, deps)
