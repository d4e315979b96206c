"""``platform = "telegram-ptb"``: the same adapter contract on python-telegram-bot 22.

Inbound: one ``TypeHandler(Update)`` catch-all hands ``update.to_dict()`` (Bot API JSON) to
the mapping shared with the aiogram backend. Polling is PTB's ``Updater``, asked explicitly
for ``chat_member``/``my_chat_member``/``message_reaction`` (PTB does not request them by
default, so member events would silently never arrive). Webhook mode runs a small aiohttp
endpoint, like the aiogram backend, so both refuse a wrong secret with 401 and answer
before processing; accepted updates go through PTB's ``update_queue``.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import time
import warnings
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import (
    Bot,
    ChatPermissions,
    InlineKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application, ContextTypes, TypeHandler

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


def translate_error(error: TelegramError, *, direct: bool = False) -> Exception:
    if isinstance(error, RetryAfter):
        with warnings.catch_warnings():  # int today, timedelta in PTB's next major version
            warnings.simplefilter("ignore")
            wait = error.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return RateLimited(str(error), retry_after=seconds)
    if isinstance(error, Forbidden) or (
        direct and isinstance(error, BadRequest) and "chat not found" in str(error).lower()
    ):
        return DirectMessageRefused(str(error)) if direct else PermanentDeliveryError(str(error))
    if isinstance(error, BadRequest):
        return PermanentDeliveryError(str(error))
    if isinstance(error, NetworkError):  # includes TimedOut
        return TransientDeliveryError(str(error))
    return PermanentDeliveryError(str(error))


class PtbAdapter:
    capabilities = CAPABILITIES
    limits = LIMITS

    def __init__(self, config: TelegramBotConfig, deps: AdapterDeps) -> None:
        self.config = config
        self.bot = config.name
        self.platform = config.platform
        builder = Application.builder().token(secret_value(config.token))
        if config.api_url:
            base = str(config.api_url).rstrip("/")
            builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
        if config.mode == "webhook":
            builder = builder.updater(None)  # our own endpoint feeds update_queue
        self.application = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update), group=-1)
        self.mapper: TelegramMapper | None = None
        self._sink: EventSink | None = None
        self._runner: web.AppRunner | None = None
        self._admins: dict[str, tuple[float, dict[str, PlatformRole]]] = {}

    @property
    def client(self) -> Bot:
        return self.application.bot

    async def start(self, sink: EventSink) -> None:
        try:
            await self.application.initialize()
        except InvalidToken:
            raise RuntimeError(
                f"Telegram rejected the token of bot {self.bot!r} (check token in the config)"
            ) from None
        except NetworkError as error:
            raise RuntimeError(f"cannot reach the Telegram Bot API: {error}") from None
        me = self.client.bot
        self.mapper = TelegramMapper(self.platform, self.bot, BotIdentity(me.id, me.username))
        self._sink = sink
        await self.application.start()
        if self.config.mode == "webhook":
            await self._start_webhook()
        else:
            assert self.application.updater is not None
            await self.application.updater.start_polling(
                timeout=self.config.poll_timeout,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
            )

    async def _start_webhook(self) -> None:
        assert self.config.webhook_url is not None
        secret = secret_value(self.config.webhook_secret)
        path = urlsplit(str(self.config.webhook_url)).path or "/"

        async def receive(request: web.Request) -> web.Response:
            given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
            if not hmac.compare_digest(given.encode(), secret.encode()):
                return web.Response(status=401, text="wrong secret token")
            try:
                update = Update.de_json(await request.json(), self.client)
            except (ValueError, TypeError, KeyError):
                return web.Response(status=400, text="not an update")
            await self.application.update_queue.put(update)
            return web.Response(status=200)

        app = web.Application()
        app.router.add_post(path, receive)
        host, _, port = self.config.listen.rpartition(":")
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, host or "0.0.0.0", int(port)).start()
        await self.client.set_webhook(
            str(self.config.webhook_url), secret_token=secret, allowed_updates=ALLOWED_UPDATES
        )

    async def stop(self) -> None:
        self._sink = None
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.application.running:
            await self.application.stop()

    async def close(self) -> None:
        with contextlib.suppress(RuntimeError):
            await self.application.shutdown()

    async def _on_update(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        sink, mapper = self._sink, self.mapper
        if sink is None or mapper is None or not isinstance(update, Update):
            return
        raw = update.to_dict()
        changed = admin_change(raw)
        if changed is not None:
            self._admins.pop(changed, None)
        for event in mapper.map(raw, await self._roles(raw)):
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
        except TelegramError as error:
            log.warning("cannot read administrators of chat %s: %s", chat_id, error)
            return cached[1] if cached else {}
        roles = roles_from_administrators([member.to_dict() for member in administrators])
        self._admins[chat_id] = (time.monotonic() + ADMIN_CACHE_SECONDS, roles)
        return roles

    async def perform(self, action: Action) -> Delivered:
        try:
            return await self._perform(action)
        except TelegramError as error:
            if isinstance(error, BadRequest) and any(t in str(error).lower() for t in HARMLESS):
                return Delivered()
            raise translate_error(error, direct=isinstance(action, SendDirect)) from error

    async def _perform(self, action: Action) -> Delivered:
        bot = self.client
        if isinstance(action, SendMessage):
            return await self._send(action.channel, action)
        if isinstance(action, SendDirect):
            return await self._send(ChannelRef(action.user_id, is_direct=True), action)
        if isinstance(action, EditMessage):
            assert action.message is not None
            await bot.edit_message_text(
                render_chunks(action.text)[0][:TEXT_LIMIT],
                chat_id=action.message.channel.id,
                message_id=int(action.message.message_id),
                parse_mode="HTML",
                reply_markup=_markup(action.buttons),
            )
            return Delivered((action.message,))
        if isinstance(action, DeleteMessage):
            assert action.message is not None
            await bot.delete_message(action.message.channel.id, int(action.message.message_id))
            return Delivered()
        if isinstance(action, AnswerButton):
            await bot.answer_callback_query(
                action.interaction_id, text=action.toast[:200] or None, show_alert=action.alert
            )
            return Delivered()
        if isinstance(action, RestrictMember | UnrestrictMember):
            muted = isinstance(action, RestrictMember)
            await bot.restrict_chat_member(
                int(action.community.id),
                int(action.user_id),
                ChatPermissions(**(MUTED_PERMISSIONS if muted else UNMUTED_PERMISSIONS)),
                until_date=action.until if isinstance(action, RestrictMember) else None,
                use_independent_chat_permissions=True,
            )
            return Delivered()
        if isinstance(action, RemoveMember):
            await bot.ban_chat_member(int(action.community.id), int(action.user_id))
            await bot.unban_chat_member(
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
            message = await self.client.send_message(
                channel.id,
                chunk,
                parse_mode="HTML",
                message_thread_id=int(channel.thread_id) if channel.thread_id else None,
                disable_notification=silent,
                reply_parameters=ReplyParameters(
                    int(reply_to.message_id), allow_sending_without_reply=True
                )
                if reply_to is not None and index == 0
                else None,
                reply_markup=_markup(action.buttons) if index == len(chunks) - 1 else None,
            )
            sent.append(MessageRef(channel, str(message.message_id)))
        return Delivered(tuple(sent))


def _markup(buttons: ButtonRows) -> InlineKeyboardMarkup | None:
    rows = keyboard(buttons)
    return InlineKeyboardMarkup.de_json(rows, None) if rows else None


def create_adapter(config: TelegramBotConfig, deps: AdapterDeps) -> PtbAdapter:
    return PtbAdapter(config, deps)
