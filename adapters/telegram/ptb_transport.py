"""``platform = "telegram-ptb"``: the same adapter contract on python-telegram-bot 22.

Inbound does not go through PTB's ``Updater`` or handlers: long polling is
:class:`~adapters.telegram.polling.Poller` and webhook mode
:func:`~adapters.telegram.webhook.serve_webhook`, both shared with the aiogram backend.
They read the Bot API's raw JSON, hand it to the shared
:class:`~adapters.telegram.intake.Intake`, and confirm an update to Telegram (the polling
offset, the webhook's 200) only once the core has committed it. PTB's ``Updater`` confirms
what it fetched (and, at stop, what it had queued) whether or not it was processed, and its
tornado webhook answers a wrong ``X-Telegram-Bot-Api-Secret-Token`` with 403 where the
contract says 401. The poller asks for ``chat_member``/``my_chat_member``/
``message_reaction`` explicitly, as PTB would not by default.

PTB's ``Application`` is kept for its configured ``Bot`` (``initialize``/``shutdown``);
outbound runs the Bot API plan shared with the aiogram backend
(:func:`adapters.telegram.outbound.plan`) through PTB's typed ``Bot`` methods, building
PTB's objects from the plan's JSON.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from datetime import timedelta
from typing import Any

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
from telegram.ext import Application

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


def translate_error(error: TelegramError, *, direct: bool = False) -> Exception:
    """PTB's exception -> the core's delivery error (the worker decides on retries)."""
    match error:
        case RetryAfter():
            with warnings.catch_warnings():  # int today, timedelta in PTB's next major version
                warnings.simplefilter("ignore")
                wait = error.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            return delivery_error(
                Failure.RETRY_AFTER, str(error), direct=direct, retry_after=seconds
            )
        case Forbidden():
            failure = Failure.FORBIDDEN
        case BadRequest():  # a subclass of NetworkError in PTB: it goes first
            failure = Failure.BAD_REQUEST
        case NetworkError():  # includes TimedOut
            failure = Failure.NETWORK
        case _:
            failure = Failure.OTHER
    return delivery_error(failure, str(error), direct=direct)


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
        token = secret_value(config.token)
        base = str(config.api_url).rstrip("/") if config.api_url else DEFAULT_API
        builder = Application.builder().token(token).updater(None)  # the Poller receives
        if config.api_url:
            builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
        self.application = builder.build()
        self.intake = Intake(self.platform, self.bot, self._administrators)
        self.poller = Poller(
            bot=self.bot,
            api_base=base,
            token=token,
            handle=self.intake.handle,
            handle_batch=self.intake.handle_batch,
            timeout=config.poll_timeout,
        )
        self._polling = False
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
        try:
            if self.config.mode == "webhook":
                assert self.config.webhook_url is not None
                secret = secret_value(self.config.webhook_secret)
                url = str(self.config.webhook_url)
                self._runner = await serve_webhook(
                    self.bot, url, self.config.listen, secret, self.intake.handle
                )
                await self.client.set_webhook(
                    url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
                )
            else:
                await self.client.delete_webhook(drop_pending_updates=False)
                self.poller.start()
                self._polling = True
        except (TelegramError, OSError) as error:
            await self.stop()
            await self.close()
            raise RuntimeError(f"bot {self.bot!r} cannot start: {error}") from None

    async def _publish_menu(self) -> None:
        """The "/" menu by role; a failure costs only the menu, so it is logged."""
        for call in menu_calls(self.deps.commands):
            try:
                await self._call(call)
            except TelegramError as error:
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
        await self.application.shutdown()

    # -- inbound --------------------------------------------------------------------------

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

    async def _send(self, call: ApiCall) -> tuple[ApiCall, Any]:
        """``call`` and its result, or the call it became: addressed to the supergroup a
        group was upgraded to, or its fallback when a picture is refused as a photo."""
        try:
            try:
                return call, await self._call(call)
            except ChatMigrated as moved:
                # The group became a supergroup with a new id: Telegram says which.
                call = migrated(call, moved.new_chat_id)
                return call, await self._call(call)
        except BadRequest as error:
            instead = refused_as_photo(call, str(error))
            if instead is None:
                raise
            log.info("bot %s: %s refused (%s); sent as a document", self.bot, call.method, error)
            return await self._send(instead)

    async def perform(self, action: Action) -> Delivered:
        """Execute the shared Bot API plan through PTB's typed methods."""
        direct = is_direct(action)
        sent: list[MessageRef] = []
        for planned in plan(action):
            try:
                call, result = await self._send(planned)
            except TelegramError as error:
                if isinstance(error, BadRequest) and any(t in str(error).lower() for t in HARMLESS):
                    continue
                raise translate_error(error, direct=direct) from error
            if call.sends_message:
                assert isinstance(result, Message)
                sent.append(sent_ref(call, result.message_id))
        if (
            isinstance(action, EditMessage | PinMessage | UnpinMessage)
            and action.message is not None
        ):
            return Delivered((action.message,))
        return Delivered(tuple(sent))


def create_adapter(config: TelegramBotConfig, deps: AdapterDeps) -> PtbAdapter:
    return PtbAdapter(config, deps)
