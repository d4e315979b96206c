"""Fake Telegram Bot API: ``/bot<token>/<method>`` on 127.0.0.1, port 0.

Speaks the real shapes: ``{"ok": true, "result": ...}`` and errors as
``{"ok": false, "error_code", "description"[, "parameters": {"retry_after"}]}``. getUpdates
long-polls with ``offset``/``limit``/``timeout`` and remembers ``allowed_updates`` like the
real server. Tests push updates with :meth:`FakeBotApi.push` and wait on recorded calls.
Every ``getUpdates`` call's ``offset`` is recorded (:attr:`FakeBotApi.offsets`): an update
below an offset is confirmed and dropped for good, as Telegram does, so a test can see
exactly what a bot confirmed. :meth:`FakeBotApi.deliver_webhook` and
:meth:`FakeBotApi.post_webhook` play Telegram's side of webhook mode.

It refuses what Telegram refuses, with Telegram's descriptions, so the adapter's escaping
and splitting are checked by the server and not only by the test's own assertions: HTML
that does not parse (unknown tags, stray ``<``/``&``, bad nesting), text longer than 4096
characters once entities are parsed, empty text, ``callback_data`` outside 1-64 bytes, a
private message to a user who never started the bot, an edit that changes nothing, a send to
a group that became a supergroup.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.images import picture_size

BOT_USER = {
    "id": 777000111,
    "is_bot": True,
    "first_name": "Town Bot",
    "username": "town_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Uploaded:
    """A file part of a multipart/form-data request, with the bytes as received."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class FakeBotApi:
    token: str = "123456:TEST-token-for-the-fake-api-000000"
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    allowed_updates: list[str] | None = None
    administrators: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    failures: dict[str, list[tuple[int, str, dict[str, Any] | None]]] = field(default_factory=dict)
    """method -> queued errors (status, description, parameters) returned before success."""
    webhook: dict[str, Any] | None = None
    unreachable_users: set[int] = field(default_factory=set)
    """Users who never started the bot: a private message to them is refused with 403."""
    migrated: dict[int, int] = field(default_factory=dict)
    """Old group id -> supergroup id, answered with 400 and ``migrate_to_chat_id``."""
    commands: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    """``setMyCommands`` by scope type."""
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    """What the bot sent, by (chat id, message id), as it now reads."""
    documents: list[tuple[int, Uploaded]] = field(default_factory=list)
    """Files the bot sent with ``sendDocument``: (chat id, the uploaded file)."""
    photos: list[tuple[int, Uploaded]] = field(default_factory=list)
    """Pictures the bot sent with ``sendPhoto`` (shown inline): (chat id, the file)."""
    no_photos: set[int] = field(default_factory=set)
    """Chats whose permissions forbid photos (documents are still allowed)."""
    offsets: list[int] = field(default_factory=list)
    """The ``offset`` of every ``getUpdates`` call, in order (0 when none was given)."""
    pinned: dict[int, list[tuple[int, bool]]] = field(default_factory=dict)
    """Messages pinned by chat id: (message id, whether the pin was silent), in order."""
    cannot_pin: set[int] = field(default_factory=set)
    """Chats where the bot lacks the right to pin messages (``can_pin_messages``)."""
    serve_every_kind: bool = False
    """Serve updates of kinds not in ``allowed_updates`` too (a self-hosted server or an
    old registration may), so a test can replay kinds the bot never asked for."""

    def __post_init__(self) -> None:
        self._changed = asyncio.Condition()
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(500)
        self._closing = False
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self, port: int = 0) -> FakeBotApi:
        """Listen on 127.0.0.1 (``port``: again where a closed fake was, to bring it back)."""
        self._closing = False
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", port)
        await site.start()
        host, port = self.runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def close(self) -> None:
        """Stop; long polls still open return at once (the real server would time them out)."""
        async with self._changed:
            self._closing = True
            self._changed.notify_all()
        if self.runner is not None:
            await self.runner.cleanup()

    # -- test controls --------------------------------------------------------------------

    async def push(self, update: dict[str, Any]) -> int:
        """Queue an update (``update_id`` assigned unless given); returns its id."""
        update = dict(update)
        update.setdefault("update_id", next(self._update_ids))
        async with self._changed:
            self.updates.append(update)
            self._changed.notify_all()
        return int(update["update_id"])

    @property
    def confirmed(self) -> int:
        """Every update with a lower id has been confirmed by the bot (0: none)."""
        return max(self.offsets, default=0)

    async def deliver_webhook(self, update: dict[str, Any]) -> int:
        """POST an update to the registered webhook with its secret, as Telegram does;
        returns the HTTP status the bot answered. An ``update_id`` given is kept (a
        redelivery), else one is assigned."""
        update = {"update_id": next(self._update_ids), **update}
        return await self.post_webhook(json.dumps(update).encode())

    async def post_webhook(
        self, body: bytes, secret: str | None = None, *, send_secret: bool = True
    ) -> int:
        """POST ``body`` as is to the registered webhook with the registered secret (or
        ``secret``, or none at all); returns the HTTP status the bot answered."""
        assert self.webhook is not None, "no webhook registered"
        headers = {"Content-Type": "application/json"}
        if send_secret:
            given = secret if secret is not None else self.webhook.get("secret_token", "")
            headers["X-Telegram-Bot-Api-Secret-Token"] = given
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.webhook["url"], data=body, headers=headers) as response,
        ):
            return response.status

    def fail(
        self, method: str, status: int, description: str, retry_after: int | None = None
    ) -> None:
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        self.failures.setdefault(method, []).append((status, description, parameters))

    def called(self, method: str) -> list[dict[str, Any]]:
        return [call.params for call in self.calls if call.method == method]

    async def wait_for(
        self, method: str, count: int = 1, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(self.called(method)) >= count), timeout
            )
        return self.called(method)

    # -- protocol -------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _params(request)
        lowered = method[0].lower() + method[1:]
        if lowered != "getUpdates":
            async with self._changed:
                self.calls.append(Call(lowered, params))
                self._changed.notify_all()
        queued = self.failures.get(lowered)
        if queued:
            status, description, parameters = queued.pop(0)
            return _error(status, description, parameters)
        handler = getattr(self, f"_m_{lowered}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        result = await handler(params)
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, "result": result})

    async def _m_getMe(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = None
        return True

    async def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = params
        if "allowed_updates" in params:
            self.allowed_updates = params["allowed_updates"]
        return True

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook:
            return _error(409, "Conflict: can't use getUpdates method while webhook is active")
        if "allowed_updates" in params and params["allowed_updates"] is not None:
            self.allowed_updates = list(params["allowed_updates"])
        offset = int(params.get("offset") or 0)
        self.offsets.append(offset)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        async with self._changed:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            while not self.updates and time.monotonic() < deadline and not self._closing:
                try:
                    await asyncio.wait_for(self._changed.wait(), deadline - time.monotonic())
                except TimeoutError:
                    break
            return [u for u in self.updates if self._allowed(u)][:limit]

    def _allowed(self, update: dict[str, Any]) -> bool:
        if self.serve_every_kind:
            return True
        kinds = self.allowed_updates or [
            k for k in ("message", "edited_message", "callback_query", "my_chat_member")
        ]
        return any(kind in update for kind in kinds)

    async def _m_getChatAdministrators(self, params: dict[str, Any]) -> Any:
        return self.administrators.get(int(params["chat_id"]), [])

    def _chat(self, chat_id: int) -> dict[str, Any] | web.Response:
        """The chat a method addresses, or Telegram's error for it."""
        if chat_id in self.migrated:
            return _error(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self.migrated[chat_id]},
            )
        if chat_id > 0:
            if chat_id in self.unreachable_users:
                return _error(403, "Forbidden: bot can't initiate conversation with a user")
            return {"id": chat_id, "type": "private", "first_name": "Member"}
        return {"id": chat_id, "type": "supergroup", "title": "Town Square"}

    async def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        chat = self._chat(int(params["chat_id"]))
        if isinstance(chat, web.Response):
            return chat
        problem = _check_text(params) or _check_markup(params.get("reply_markup"))
        if problem:
            return _error(400, problem)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": _bot_user(),
            "text": _visible(params["text"]),
        }
        if params.get("message_thread_id"):
            message["message_thread_id"] = int(params["message_thread_id"])
            message["is_topic_message"] = True
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self.messages[(chat["id"], message["message_id"])] = {
            "html": params["text"],
            "reply_markup": params.get("reply_markup"),
        }
        return message

    async def _m_sendDocument(self, params: dict[str, Any]) -> Any:
        """A file uploaded as multipart/form-data (``attach://`` names a part, as the Bot
        API allows); a file id or URL string is refused here: the bot only uploads."""
        chat = self._chat(int(params["chat_id"]))
        if isinstance(chat, web.Response):
            return chat
        document = params.get("document")
        if isinstance(document, str) and document.startswith("attach://"):
            document = params.get(document.removeprefix("attach://"))
        if not isinstance(document, Uploaded):
            return _error(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if not document.data:
            return _error(400, "Bad Request: file must be non-empty")
        if len(document.data) > 50 * 1024 * 1024:
            return _error(413, "Request Entity Too Large")
        caption = params.get("caption")
        if caption is not None:
            caption = str(caption)
            if params.get("parse_mode") == "HTML":
                parsed = _parse_html(caption)
                if parsed.problem:
                    return _error(400, f"Bad Request: can't parse entities: {parsed.problem}")
                caption = "".join(parsed.text)
            if len(caption.encode("utf-16-le")) // 2 > 1024:
                return _error(400, "Bad Request: message caption is too long")
        self.documents.append((chat["id"], document))
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": _bot_user(),
            "document": {
                "file_id": f"doc-{len(self.documents)}",
                "file_unique_id": f"u-doc-{len(self.documents)}",
                "file_name": document.filename,
                "mime_type": document.content_type,
                "file_size": len(document.data),
            },
        }
        if caption:
            message["caption"] = caption
        if params.get("message_thread_id"):
            message["message_thread_id"] = int(params["message_thread_id"])
        return message

    async def _m_sendPhoto(self, params: dict[str, Any]) -> Any:
        """A picture uploaded as multipart/form-data, refused as Telegram refuses photos:
        not an image it decodes (``IMAGE_PROCESS_FAILED``), over 10 MB, width and height
        over 10,000 together or a side more than 20 times the other
        (``PHOTO_INVALID_DIMENSIONS``), or photos not allowed in the chat."""
        chat = self._chat(int(params["chat_id"]))
        if isinstance(chat, web.Response):
            return chat
        if chat["id"] in self.no_photos:
            return _error(400, "Bad Request: not enough rights to send photos to the chat")
        photo = params.get("photo")
        if isinstance(photo, str) and photo.startswith("attach://"):
            photo = params.get(photo.removeprefix("attach://"))
        if not isinstance(photo, Uploaded):
            return _error(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if len(photo.data) > 10 * 1024 * 1024:
            return _error(400, "Bad Request: PHOTO_SAVE_FILE_INVALID")
        size = picture_size(photo.data)
        if size is None:
            return _error(400, "Bad Request: IMAGE_PROCESS_FAILED")
        width, height = size
        if width + height > 10_000 or max(width, height) > 20 * min(width, height):
            return _error(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        caption = params.get("caption")
        if caption is not None and params.get("parse_mode") == "HTML":
            parsed = _parse_html(str(caption))
            if parsed.problem:
                return _error(400, f"Bad Request: can't parse entities: {parsed.problem}")
            caption = "".join(parsed.text)
        self.photos.append((chat["id"], photo))
        number = len(self.photos)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": _bot_user(),
            "photo": [
                {
                    "file_id": f"photo-{number}-{scale}",
                    "file_unique_id": f"u-photo-{number}-{scale}",
                    "width": max(1, width // scale),
                    "height": max(1, height // scale),
                    "file_size": len(photo.data) // scale,
                }
                for scale in (4, 1)
            ],
        }
        if caption:
            message["caption"] = caption
        if params.get("message_thread_id"):
            message["message_thread_id"] = int(params["message_thread_id"])
        return message

    def _edit(self, params: dict[str, Any], **change: Any) -> Any:
        """Apply an edit; an edit that changes nothing is refused, as Telegram does.

        Messages the fake did not send (ids in pushed updates) are taken to exist."""
        chat = self._chat(int(params["chat_id"]))
        if isinstance(chat, web.Response):
            return chat
        key = (chat["id"], int(params["message_id"]))
        current = self.messages.setdefault(key, {"html": None, "reply_markup": None})
        updated = {**current, **change}
        if updated == current:
            return _error(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup of "
                "the message",
            )
        self.messages[key] = updated
        message: dict[str, Any] = {
            "message_id": key[1],
            "date": int(time.time()),
            "edit_date": int(time.time()),
            "chat": chat,
            "from": _bot_user(),
            "text": _visible(updated["html"] or ""),
        }
        if updated["reply_markup"]:
            message["reply_markup"] = updated["reply_markup"]
        return message

    async def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        problem = _check_text(params) or _check_markup(params.get("reply_markup"))
        if problem:
            return _error(400, problem)
        return self._edit(
            params, html=params["text"], reply_markup=params.get("reply_markup") or None
        )

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        problem = _check_markup(params.get("reply_markup"))
        if problem:
            return _error(400, problem)
        return self._edit(params, reply_markup=params.get("reply_markup") or None)

    async def _m_deleteMessage(self, params: dict[str, Any]) -> Any:
        chat = self._chat(int(params["chat_id"]))
        if isinstance(chat, web.Response):
            return chat
        self.messages.pop((chat["id"], int(params["message_id"])), None)
        return True

    async def _m_pinChatMessage(self, params: dict[str, Any]) -> Any:
        """A pin: refused where the bot may not pin, or of a message not in the chat;
        pinning a pinned message again is accepted (and changes nothing)."""
        chat = self._chat(int(params["chat_id"]))
        if isinstance(chat, web.Response):
            return chat
        if chat["id"] in self.cannot_pin:
            return _error(
                400, "Bad Request: not enough rights to manage pinned messages in the chat"
            )
        message_id = int(params["message_id"])
        if (chat["id"], message_id) not in self.messages:
            return _error(400, "Bad Request: message to pin not found")
        pins = self.pinned.setdefault(chat["id"], [])
        if all(pinned != message_id for pinned, _silent in pins):
            pins.append((message_id, bool(params.get("disable_notification"))))
        return True

    async def _m_unpinChatMessage(self, params: dict[str, Any]) -> Any:
        """An unpin: refused as a pin is; of a message not pinned, accepted."""
        chat = self._chat(int(params["chat_id"]))
        if isinstance(chat, web.Response):
            return chat
        if chat["id"] in self.cannot_pin:
            return _error(
                400, "Bad Request: not enough rights to manage pinned messages in the chat"
            )
        message_id = int(params["message_id"])
        if (chat["id"], message_id) not in self.messages:
            return _error(400, "Bad Request: message to unpin not found")
        pins = self.pinned.get(chat["id"], [])
        self.pinned[chat["id"]] = [pin for pin in pins if pin[0] != message_id]
        return True

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        if len(str(params.get("text", ""))) > 200:
            return _error(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    async def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        scope = (params.get("scope") or {"type": "default"})["type"]
        for command in params["commands"]:
            if not (1 <= len(command["command"]) <= 32 and command["command"].islower()):
                return _error(400, "Bad Request: BOT_COMMAND_INVALID")
        self.commands[scope] = list(params["commands"])
        return True

    async def _member_action(self, params: dict[str, Any]) -> Any:
        chat = self._chat(int(params["chat_id"]))
        if isinstance(chat, web.Response):
            return chat
        if "permissions" in params and not isinstance(params["permissions"], dict):
            return _error(400, "Bad Request: can't parse permissions JSON object")
        return True

    _m_restrictChatMember = _member_action
    _m_banChatMember = _member_action
    _m_unbanChatMember = _member_action

    async def _ok(self, params: dict[str, Any]) -> Any:
        return True

    _m_close = _ok
    _m_logOut = _ok


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        data = await request.json()
        return dict(data) if isinstance(data, dict) else {}
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if isinstance(value, web.FileField):  # a file part of multipart/form-data
            data = value.file.read()
            params[key] = Uploaded(value.filename, value.content_type, data)
            continue
        text = value if isinstance(value, str) else ""
        # Like the real server, form values are typed by their JSON reading ("42" is 42).
        try:
            params[key] = json.loads(text) if _looks_like_json(text) else text
        except ValueError:
            params[key] = text
    return params


def _bot_user() -> dict[str, Any]:
    """The bot as the author of a message (``getMe`` adds the capability flags)."""
    return {k: BOT_USER[k] for k in ("id", "is_bot", "first_name", "username")}


# Telegram's HTML subset (https://core.telegram.org/bots/api#html-style).
_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
    "code", "pre", "blockquote", "tg-emoji", "tg-time",
}  # fmt: skip

# A date-time entity's format: relative, or weekday / date / time parts in this order.
_TIME_FORMAT = re.compile(r"r|w?[dD]?[tT]?")


class _TelegramHtml(HTMLParser):
    """Parses like Telegram: known tags, balanced nesting, entities only where valid."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []
        self.problem: str | None = None
        self.text: list[str] = []
        self.moments: list[tuple[int, str]] = []
        """(unix time, format) of each ``<tg-time>``, in order."""

    def _fail(self, problem: str) -> None:
        self.problem = self.problem or problem

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _TAGS:
            self._fail(f'Unsupported start tag "{tag}"')
        if tag == "tg-time":
            given = dict(attrs)
            unix, shown = given.get("unix") or "", given.get("format") or ""
            if not unix.isdigit():
                self._fail('Expected a Unix time in attribute "unix" of tag "tg-time"')
            elif not _TIME_FORMAT.fullmatch(shown):
                self._fail('Invalid date-time format in tag "tg-time"')
            else:
                self.moments.append((int(unix), shown))
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self._fail(f'Unmatched end tag "{tag}"')
        else:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data:  # html.parser lets a stray "<" through as text; Telegram does not
            self._fail('Character "<" is reserved')
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        self.text.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.text.append(html.unescape(f"&#{name};"))

    def handle_comment(self, data: str) -> None:
        self._fail("Unsupported start tag")

    def handle_decl(self, decl: str) -> None:
        self._fail("Unsupported start tag")

    def handle_pi(self, data: str) -> None:
        self._fail("Unsupported start tag")

    def unknown_decl(self, data: str) -> None:
        self._fail("Unsupported start tag")


def _parse_html(markup: str) -> _TelegramHtml:
    parser = _TelegramHtml()
    # A bare "<" or "&" that does not start a tag or entity is an error for Telegram;
    # html.parser would let it through as text.
    for index, char in enumerate(markup):
        if char == "&" and not _entity_at(markup, index):
            parser.problem = f'Character "&" is reserved at byte offset {index}'
            return parser
    parser.feed(markup)
    parser.close()
    if parser.open:
        parser._fail(f'Can\'t find end tag corresponding to start tag "{parser.open[-1]}"')
    return parser


def _entity_at(markup: str, index: int) -> bool:
    end = markup.find(";", index)
    if end < 0 or end - index > 10:
        return False
    name = markup[index + 1 : end]
    return name in ("lt", "gt", "amp", "quot") or (
        name.startswith("#") and name[1:].lstrip("xX").isalnum()
    )


def moments(markup: str) -> list[tuple[int, str]]:
    """The (Unix time, format) of each date-time entity (``<tg-time>``) in ``markup``."""
    return _parse_html(markup).moments


def _visible(markup: str) -> str:
    return "".join(_parse_html(markup).text)


def _check_text(params: dict[str, Any]) -> str | None:
    """Telegram's refusal for a message text, or None."""
    text = params.get("text")
    if not isinstance(text, str) or not text.strip():
        return "Bad Request: message text is empty"
    if params.get("parse_mode") == "HTML":
        parsed = _parse_html(text)
        if parsed.problem:
            return f"Bad Request: can't parse entities: {parsed.problem}"
        text = "".join(parsed.text)
    if len(text.encode("utf-16-le")) // 2 > 4096:
        return "Bad Request: message is too long"
    return None


def _check_markup(markup: Any) -> str | None:
    if not markup:
        return None
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                return "Bad Request: BUTTON_DATA_INVALID"
            if not button.get("text"):
                return "Bad Request: BUTTON_TEXT_EMPTY"
    return None


def _looks_like_json(text: str) -> bool:
    return text[:1] in "[{" or text in ("true", "false") or text.lstrip("-").isdigit()


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)
