"""``platform = "telegram-ptb"``: the same adapter contract on python-telegram-bot 22.

Inbound: one ``TypeHandler(Update)`` catch-all hands ``update.to_dict()`` (Bot API JSON) to
the :class:`~adapters.telegram.intake.Intake` shared with the aiogram backend. Polling is
PTB's ``Updater``, asked explicitly for ``chat_member``/``my_chat_member``/
``message_reaction`` (PTB does not request them by default, so member events would silently
never arrive). Updates are processed concurrently (``concurrent_updates``), as aiogram does,
so the core's group commit batches a burst.

Webhook mode runs a small aiohttp endpoint feeding PTB's ``update_queue`` (PTB's documented
custom-webhook pattern) rather than PTB's tornado server, because that one answers a wrong
``X-Telegram-Bot-Api-Secret-Token`` with 403 where the contract (and the aiogram backend)
says 401. It answers before processing.

Outbound runs the Bot API plan shared with the aiogram backend
(:func:`adapters.telegram.outbound.plan`) through PTB's typed ``Bot`` methods, building
PTB's objects from the plan's JSON.
"""

from __future__ import annotations

import hmac
import logging
import warnings
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    ChatPermissions,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    ReplyParameters,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application, ContextTypes, TypeHandler

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


def translate_error(error: TelegramError, *, direct: bool = False) -> Exception:
    """PTB's exception -> the core's delivery error (the worker decides on retries)."""
    if isinstance(error, RetryAfter):
        with warnings.catch_warnings():  # int today, timedelta in PTB's next major version
            warnings.simplefilter("ignore")
            wait = error.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return RateLimited(str(error), retry_after=seconds)
    if isinstance(error, Forbidden) or (
        direct and isinstance(error, BadRequest) and no_private_chat(str(error))
    ):
        return DirectMessageRefused(str(error)) if direct else PermanentDeliveryError(str(error))
    if isinstance(error, BadRequest):
        return PermanentDeliveryError(str(error))
    if isinstance(error, NetworkError):  # includes TimedOut
        return TransientDeliveryError(str(error))
    return PermanentDeliveryError(str(error))


_OBJECTS: dict[str, Callable[[Any], Any]] = {
    "reply_markup": lambda data: InlineKeyboardMarkup.de_json(data, None),
    "reply_parameters": lambda data: ReplyParameters.de_json(data, None),
    "permissions": lambda data: ChatPermissions.de_json(data, None),
    "scope": lambda data: BotCommandScope.de_json(data, None),
    "commands": lambda data: [BotCommand(c["command"], c["description"]) for c in data],
}
"""Plan parameters that PTB's typed methods take as objects rather than JSON."""


def _snake(method: str) -> str:
    return "".join(f"_{char.lower()}" if char.isupper() else char for char in method)


class PtbAdapter:
    capabilities = CAPABILITIES
    limits = LIMITS

    def __init__(self, config: TelegramBotConfig, deps: AdapterDeps) -> None:
        self.config = config
        self.deps = deps
        self.bot = config.name
        self.platform = config.platform
        builder = Application.builder().token(secret_value(config.token))
        if config.api_url:
            base = str(config.api_url).rstrip("/")
            builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
        if config.mode == "webhook":
            builder = builder.updater(None)  # our own endpoint feeds update_queue
        self.application = builder.concurrent_updates(True).build()
        self.application.add_handler(TypeHandler(Update, self._on_update), group=-1)
        self.intake = Intake(self.platform, self.bot, self._administrators)
        self._runner: web.AppRunner | None = None

    @property
    def client(self) -> Bot:
        return self.application.bot

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self, sink: EventSink) -> None:
        try:
            await self.application.initialize()
        except InvalidToken:
            raise RuntimeError(
                f"Telegram rejected the token of bot {self.bot!r} (check token in the config)"
            ) from None
        except NetworkError as error:
            raise RuntimeError(f"bot {self.bot!r} cannot reach the Bot API: {error}") from None
        me = self.client.bot
        identity = BotIdentity(me.id, me.username or "", bool(me.can_read_all_group_messages))
        self.intake.open(identity, sink)
        await self._publish_menu()
        await self.application.start()
        try:
            if self.config.mode == "webhook":
                await self._start_webhook()
            else:
                assert self.application.updater is not None
                await self.application.updater.start_polling(
                    timeout=self.config.poll_timeout,
                    allowed_updates=ALLOWED_UPDATES,
                    drop_pending_updates=False,
                )
        except (TelegramError, OSError) as error:
            await self.stop()
            await self.close()
            raise RuntimeError(f"bot {self.bot!r} cannot start: {error}") from None

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

    async def _publish_menu(self) -> None:
        """The "/" menu by role; a failure costs only the menu, so it is logged."""
        for call in menu_calls(self.deps.commands):
            try:
                await self._call(call)
            except TelegramError as error:
                log.warning("bot %s: cannot publish the command menu: %s", self.bot, error)
                return

    async def stop(self) -> None:
        """Stop receiving, then let updates already received reach the core.

        The order matters: ``Updater.stop()`` confirms to Telegram every update it fetched,
        and ``Application.stop()`` processes those still queued, so the intake must stay
        open until after it."""
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.application.running:
            await self.application.stop()
        await self.intake.close()

    async def close(self) -> None:
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    # -- inbound --------------------------------------------------------------------------

    async def _on_update(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if isinstance(update, Update):
            await self.intake.handle(update.to_dict())

    async def _administrators(self, chat_id: int) -> list[dict[str, Any]]:
        return [member.to_dict() for member in await self.client.get_chat_administrators(chat_id)]

    # -- outbound -------------------------------------------------------------------------

    async def _call(self, call: ApiCall) -> Any:
        params = {
            key: _OBJECTS[key](value) if key in _OBJECTS else value
            for key, value in call.params.items()
        }
        if call.upload is not None:
            upload = call.upload
            params[upload.field] = InputFile(upload.data, filename=upload.filename)
        return await getattr(self.client, _snake(call.method))(**params)

    async def perform(self, action: Action) -> Delivered:
        """Execute the shared Bot API plan through PTB's typed methods."""
        direct = is_direct(action)
        sent: list[MessageRef] = []
        for planned in plan(action):
            call = planned
            try:
                try:
                    result = await self._call(call)
                except ChatMigrated as moved:
                    # The group became a supergroup with a new id: Telegram says which.
                    call = migrated(call, moved.new_chat_id)
                    result = await self._call(call)
            except TelegramError as error:
                if isinstance(error, BadRequest) and any(t in str(error).lower() for t in HARMLESS):
                    continue
                raise translate_error(error, direct=direct) from error
            if call.sends_message:
                assert isinstance(result, Message)
                sent.append(sent_ref(call, result.message_id))
        if isinstance(action, EditMessage) and action.message is not None:
            return Delivered((action.message,))
        return Delivered(tuple(sent))


def create_adapter(config: TelegramBotConfig, deps: AdapterDeps) -> PtbAdapter:
    return PtbAdapter(config, deps)
