"""``platform = "telegram"``: the adapter on aiogram 3.

Inbound goes through one async outer middleware on ``Dispatcher.update`` (no filters: aiogram
runs synchronous filters in a thread, about +230 µs each) which hands the update's JSON to
the shared mapping in :mod:`adapters.telegram.inbound`. Long polling is aiogram's own and
stops with ``Dispatcher.stop_polling()``; webhook mode uses aiogram's aiohttp handler, which
refuses a wrong ``X-Telegram-Bot-Api-Secret-Token`` with 401 and answers before processing.
Retries and rate shaping are the core delivery worker's: aiogram's errors are translated
into :mod:`core.errors`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import ChatPermissions, InlineKeyboardMarkup, ReplyParameters, Update
from aiohttp import web

from adapters.common_config import secret_value
from adapters.telegram.config import TelegramBotConfig
from adapters.telegram.inbound import (
    ALLOWED_UPDATES,
    BotIdentity,
    TelegramMapper,
    admin_change,
    chat_of_update,
    roles_from_administrators,
)
from adapters.telegram.outbound import (
    CAPABILITIES,
    HARMLESS,
    LIMITS,
    MUTED_PERMISSIONS,
    TEXT_LIMIT,
    UNMUTED_PERMISSIONS,
    keyboard,
    render_chunks,
)
from core.actions import (
    Action,
    AnswerButton,
    ButtonRows,
    DeleteMessage,
    EditMessage,
    RemoveMember,
    RestrictMember,
    SendDirect,
    SendMessage,
    UnrestrictMember,
)
from core.errors import (
    DirectMessageRefused,
    NotSupported,
    PermanentDeliveryError,
    RateLimited,
    TransientDeliveryError,
)
from core.ports import AdapterDeps, Delivered, EventSink
from core.refs import ChannelRef, MessageRef, PlatformRole

log = logging.getLogger(__name__)

ADMIN_CACHE_SECONDS = 600.0


def translate_error(error: Exception, *, direct: bool = False) -> Exception:
    """aiogram's exception -> the core's delivery error (the worker decides on retries)."""
    if isinstance(error, TelegramRetryAfter):
        return RateLimited(str(error.message), retry_after=float(error.retry_after))
    if isinstance(error, TelegramServerError | TelegramNetworkError):
        return TransientDeliveryError(str(error))
    if isinstance(error, TelegramForbiddenError | TelegramNotFound) or (
        direct and isinstance(error, TelegramBadRequest) and "chat not found" in str(error)
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
        self.bot = config.name
        self.platform = config.platform
        session = AiohttpSession(
            api=TelegramAPIServer.from_base(str(config.api_url))
            if config.api_url
            else TelegramAPIServer.from_base("https://api.telegram.org")
        )
        self.client = Bot(secret_value(config.token), session=session)
        self.dispatcher = Dispatcher()
        self.dispatcher.update.outer_middleware(self._on_update)
        self.mapper: TelegramMapper | None = None
        self._sink: EventSink | None = None
        self._polling: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None
        self._admins: dict[str, tuple[float, dict[str, PlatformRole]]] = {}

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self, sink: EventSink) -> None:
        try:
            me = await self.client.get_me()
        except TelegramUnauthorizedError:
            await self.client.session.close()
            raise RuntimeError(
                f"Telegram rejected the token of bot {self.bot!r} (check token in the config)"
            ) from None
        except TelegramNetworkError as error:
            await self.client.session.close()
            raise RuntimeError(f"cannot reach the Telegram Bot API: {error}") from None
        self.mapper = TelegramMapper(self.platform, self.bot, BotIdentity(me.id, me.username or ""))
        self._sink = sink
        if self.config.mode == "webhook":
            await self._start_webhook()
        else:
            await self.client.delete_webhook(drop_pending_updates=False)
            self._polling = asyncio.create_task(
                self.dispatcher.start_polling(
                    self.client,
                    allowed_updates=ALLOWED_UPDATES,
                    handle_signals=False,
                    close_bot_session=False,
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
        site = web.TCPSite(self._runner, host or "0.0.0.0", int(port))
        await site.start()
        self.listening = self._runner.addresses
        await self.client.set_webhook(
            str(self.config.webhook_url), secret_token=secret, allowed_updates=ALLOWED_UPDATES
        )

    async def stop(self) -> None:
        self._sink = None
        if self._polling is not None:
            with contextlib.suppress(RuntimeError):
                await self.dispatcher.stop_polling()
            with contextlib.suppress(asyncio.CancelledError):
                await self._polling
            self._polling = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def close(self) -> None:
        await self.client.session.close()

    # -- inbound --------------------------------------------------------------------------

    async def _on_update(
        self,
        handler: Callable[[Update, dict[str, Any]], Awaitable[Any]],
        update: Update,
        data: dict[str, Any],
    ) -> None:
        """The only inbound path: map the update and hand its events to the core."""
        sink, mapper = self._sink, self.mapper
        if sink is None or mapper is None:
            return
        raw = update.model_dump(mode="json", exclude_none=True, by_alias=True)
        changed = admin_change(raw)
        if changed is not None:
            self._admins.pop(changed, None)
        roles = await self._roles(raw)
        for event in mapper.map(raw, roles):
            await sink(event)

    async def _roles(self, raw: dict[str, Any]) -> dict[str, PlatformRole]:
        chat = chat_of_update(raw)
        if chat is None or chat.get("type") not in ("group", "supergroup"):
            return {}
        chat_id = str(chat["id"])
        cached = self._admins.get(chat_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            administrators = await self.client.get_chat_administrators(int(chat_id))
        except TelegramAPIError as error:
            log.warning("cannot read administrators of chat %s: %s", chat_id, error)
            return cached[1] if cached else {}
        roles = roles_from_administrators(
            [member.model_dump(mode="json", by_alias=True) for member in administrators]
        )
        self._admins[chat_id] = (time.monotonic() + ADMIN_CACHE_SECONDS, roles)
        return roles

    # -- outbound -------------------------------------------------------------------------

    async def perform(self, action: Action) -> Delivered:
        direct = isinstance(action, SendDirect)
        try:
            return await self._perform(action)
        except TelegramBadRequest as error:
            if any(text in str(error).lower() for text in HARMLESS):
                return Delivered()
            raise translate_error(error, direct=direct) from error
        except (TelegramAPIError, TelegramNetworkError) as error:
            raise translate_error(error, direct=direct) from error

    async def _perform(self, action: Action) -> Delivered:
        if isinstance(action, SendMessage):
            return await self._send(action.channel, action)
        if isinstance(action, SendDirect):
            return await self._send(ChannelRef(action.user_id, is_direct=True), action)
        if isinstance(action, EditMessage):
            assert action.message is not None
            chunk = render_chunks(action.text)[0][:TEXT_LIMIT]
            await self.client.edit_message_text(
                text=chunk,
                chat_id=action.message.channel.id,
                message_id=int(action.message.message_id),
                parse_mode="HTML",
                reply_markup=_markup(action.buttons),
            )
            return Delivered((action.message,))
        if isinstance(action, DeleteMessage):
            assert action.message is not None
            await self.client.delete_message(
                action.message.channel.id, int(action.message.message_id)
            )
            return Delivered()
        if isinstance(action, AnswerButton):
            await self.client.answer_callback_query(
                action.interaction_id, text=action.toast[:200] or None, show_alert=action.alert
            )
            return Delivered()
        if isinstance(action, RestrictMember | UnrestrictMember):
            permissions = (
                MUTED_PERMISSIONS if isinstance(action, RestrictMember) else UNMUTED_PERMISSIONS
            )
            until = action.until if isinstance(action, RestrictMember) else None
            await self.client.restrict_chat_member(
                int(action.community.id),
                int(action.user_id),
                ChatPermissions(**permissions),
                use_independent_chat_permissions=True,
                until_date=until,
            )
            return Delivered()
        if isinstance(action, RemoveMember):
            await self.client.ban_chat_member(int(action.community.id), int(action.user_id))
            await self.client.unban_chat_member(
                int(action.community.id), int(action.user_id), only_if_banned=True
            )
            return Delivered()
        raise NotSupported(f"Telegram cannot {action.kind}")

    async def _send(self, channel: ChannelRef, action: SendMessage | SendDirect) -> Delivered:
        chunks = render_chunks(action.text)
        reply_to = action.reply_to if isinstance(action, SendMessage) else None
        silent = action.silent if isinstance(action, SendMessage) else False
        sent: list[MessageRef] = []
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            message = await self.client.send_message(
                chat_id=channel.id,
                text=chunk,
                parse_mode="HTML",
                message_thread_id=int(channel.thread_id) if channel.thread_id else None,
                disable_notification=silent,
                reply_parameters=ReplyParameters(
                    message_id=int(reply_to.message_id), allow_sending_without_reply=True
                )
                if reply_to is not None and index == 0
                else None,
                reply_markup=_markup(action.buttons) if last else None,
            )
            sent.append(MessageRef(channel, str(message.message_id)))
        return Delivered(tuple(sent))


def _markup(buttons: ButtonRows) -> InlineKeyboardMarkup | None:
    rows = keyboard(buttons)
    return InlineKeyboardMarkup.model_validate(rows) if rows else None


def create_adapter(config: TelegramBotConfig, deps: AdapterDeps) -> AiogramAdapter:
    return AiogramAdapter(config, deps)
