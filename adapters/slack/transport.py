"""``platform = "slack"``: the adapter on slack-bolt's ``AsyncApp``.

HTTP Events API on ``listen`` (every request's signature is checked, stale timestamps and
bad signatures get 401) or Socket Mode when ``app_token`` is set. Requests are answered
only once their events are committed (:mod:`adapters.slack.intake`): Bolt runs with
``process_before_response=True`` and no listener acknowledges early. Bolt does not
de-duplicate Slack's retries; the core does, by ``event_id``.

The token is checked once at start-up (``auth.test``) and that answer authorizes every
request: left to itself Bolt calls ``auth.test`` lazily on the first request and, when it
fails, answers 200 with a warning and never runs a listener. Handing Bolt an ``authorize``
function also keeps the configured token in force when ``SLACK_CLIENT_ID`` and
``SLACK_CLIENT_SECRET`` are in the environment, where Bolt would otherwise switch to its
OAuth installation flow, drop the token and refuse every request of a single-workspace bot.

Private answers (:class:`~core.actions.SendEphemeral`, button toasts, a form's fallback)
go through the interaction's ``response_url`` while it is valid (30 minutes, five posts;
it works where the bot is not a member), else ``chat.postEphemeral`` to the member in the
channel. The ``response_url`` and the ``trigger_id`` travel inside the action's
``interaction_id`` (:mod:`adapters.slack.interaction`), so whichever process claims the
outbox row can answer, after a restart too. A private answer that has neither a valid
``response_url`` nor a member and channel to post ephemerally to fails with
:class:`~core.errors.PermanentDeliveryError`; it is never posted publicly instead.

Forms (:class:`core.actions.AskText`) are modals opened with ``views.open`` and the
press's ``trigger_id``, which Slack honours for about 3 seconds and once; ``views.open``
needs no scope beyond interactivity. When Slack refuses (``expired_trigger_id``,
``exchanged_trigger_id``, any failure) the member gets the form's ``fallback_text``
privately, as other answers. A submission (``view_submission``) is acknowledged with an
empty body once stored, which closes the modal, and reaches the core as a
``ButtonPressed`` with the form's data and text. It has no ``response_url``, so its answer
(a toast) is a ``chat.postEphemeral`` to the submitter in the channel where the button was
pressed, which the modal's ``private_metadata`` carries: the same place and visibility as
the answer to a press, and unlike a direct message it needs no conversation the member
might have closed.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, assert_never

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from townsquare.adapters.common_config import secret_value
from townsquare.adapters.slack.config import EVENTS_PATH, SlackBotConfig
from townsquare.adapters.slack.errors import retry_after, translate_error
from townsquare.adapters.slack.inbound import FORM_CALLBACK, SlackMapper, user_actor
from townsquare.adapters.slack.intake import Intake
from townsquare.adapters.slack.interaction import decode
from townsquare.adapters.slack.outbound import (
    CAPABILITIES,
    LIMITS,
    Message,
    edit_message,
    form_view,
    messages,
)
from townsquare.adapters.slack.usergroups import change_group
from townsquare.core.actions import (
    Action,
    AnswerButton,
    AskText,
    CancelScheduledEvent,
    CreateScheduledEvent,
    CrosspostMessage,
    DeleteMessage,
    EditMessage,
    GiveRole,
    PinMessage,
    RemoveMember,
    RestrictMember,
    SendDirect,
    SendEphemeral,
    SendFile,
    SendMessage,
    TakeRole,
    UnpinMessage,
    UnrestrictMember,
    UpdateScheduledEvent,
)
from townsquare.core.errors import (
    NotSupported,
    PermanentDeliveryError,
    RateLimited,
    TransientDeliveryError,
)
from townsquare.core.images import shown_name
from townsquare.core.ports import AdapterDeps, Delivered, EventSink
from townsquare.core.refs import Actor, ChannelRef, MessageRef
from townsquare.core.text import Span, Text

log = logging.getLogger(__name__)
USER_CACHE_SECONDS = 600.0
RESPONSE_URL_USES = 5
"""Slack accepts at most five posts to one ``response_url`` within 30 minutes. Counted per
process to spare a refused try; another process learns it from Slack's refusal."""
STOP_GRACE_SECONDS = 10.0
"""How long ``stop`` waits for handovers to the core still running (their requests were
answered 503 and will be redelivered, but an unfinished statement is not cut off)."""


class SlackAdapter:
    platform = "slack"
    capabilities = CAPABILITIES
    limits = LIMITS

    def __init__(self, config: SlackBotConfig, deps: AdapterDeps) -> None:
        self.config = config
        self.bot = config.name
        base_url = (
            f"{str(config.api_url).rstrip('/')}/" if config.api_url else AsyncWebClient.BASE_URL
        )
        self.client = AsyncWebClient(token=secret_value(config.token), base_url=base_url)
        signing_secret = secret_value(config.signing_secret) or None
        self.app = AsyncApp(
            # Named here: unnamed, Bolt names the app after its caller's file through
            # ``inspect.stack()``, which resolves the path of every loaded module (~0.4 s
            # of a start with aiogram loaded).
            name=config.name,
            # Bolt's own client carries no token: ``_authorizer`` supplies it per request.
            client=AsyncWebClient(base_url=base_url),
            authorize=self._authorizer(),
            signing_secret=signing_secret,
            request_verification_enabled=config.app_token is None,
            # Listeners acknowledge only after the core stored the update.
            process_before_response=True,
            raise_error_for_unhandled_request=True,
        )
        self.intake = Intake(
            self.bot, self.app, self.user, signing_secret if config.app_token is None else None
        )
        self.intake.register(FORM_CALLBACK)
        self._runner: web.AppRunner | None = None
        self._socket: Any = None
        self._auth: AuthorizeResult | None = None
        self._users: dict[str, tuple[float, Actor]] = {}
        self._response_uses: dict[str, int] = {}
        """response_url -> posts this process made to it (Slack allows five)."""
        self.listening: list[Any] = []

    def _authorizer(self) -> Callable[[], Awaitable[AuthorizeResult]]:
        """Bolt's per-request authorization: the start-up ``auth.test``, no network call.

        A plain closure, not a method: Bolt passes arguments by the callable's parameter
        names, and would try to fill a method's ``self``."""

        async def authorize() -> AuthorizeResult:
            if self._auth is None:  # nothing listens before start() checked the token
                raise RuntimeError(f"bot {self.bot!r} received a request before start()")
            return self._auth

        return authorize

    async def start(self, sink: EventSink) -> None:
        try:
            auth = await self.client.auth_test()
        except SlackApiError as error:
            raise RuntimeError(
                f"Slack rejected the token of bot {self.bot!r}: {error.response.get('error')} "
                "(check token in the config)"
            ) from None
        except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as error:
            raise RuntimeError(
                f"bot {self.bot!r} cannot reach the Slack Web API at {self.client.base_url}: "
                f"{type(error).__name__}: {error}"
            ) from None
        self._auth = AuthorizeResult.from_auth_test_response(
            auth_test_response=auth, bot_token=secret_value(self.config.token)
        )
        self.intake.mapper = SlackMapper(
            self.bot,
            str(auth["user_id"]),
            team_id=str(auth.get("team_id") or ""),
            workspace_url=str(auth.get("url") or ""),
        )
        self.intake.sink = sink
        if self.config.app_token is not None:
            from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(
                self.app, secret_value(self.config.app_token), web_client=self.client
            )
            await self._socket.connect_async()
            return
        host, _, port = self.config.listen.rpartition(":")
        # Only the events endpoint: ``AsyncApp.web_app`` would also mount OAuth install
        # pages when SLACK_CLIENT_ID/SECRET happen to be set.
        server = web.Application()
        server.router.add_post(EVENTS_PATH, self.intake.http)
        # Requests in flight at stop() are answered (each within the ack budget).
        self._runner = web.AppRunner(  # no access log: one line per event drowns the log
            server, shutdown_timeout=self.intake.ack_seconds + 2, access_log=None
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, host or "127.0.0.1", int(port)).start()
        self.listening = self._runner.addresses

    @property
    def mapper(self) -> SlackMapper | None:
        return self.intake.mapper

    async def stop(self) -> None:
        """Stop intake: requests in flight are answered once stored (or 503), then the
        handovers still running get a grace period before the sink is let go."""
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        late = await self.intake.drain(STOP_GRACE_SECONDS)
        if late:
            log.warning(
                "bot %s: %d updates still being stored at stop; Slack sends them again",
                self.bot,
                late,
            )
        self.intake.sink = None

    async def close(self) -> None:
        session = getattr(self.client, "session", None)
        if session is not None and not session.closed:
            await session.close()

    # -- inbound --------------------------------------------------------------------------

    async def user(self, user_id: str) -> Actor:
        cached = self._users.get(user_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            info = await self.client.users_info(user=user_id)
            actor = user_actor(info["user"])
        except SlackApiError as error:
            log.warning("users.info %s failed: %s", user_id, error.response.get("error"))
            actor = Actor(user_id=user_id, display_name=user_id)
        except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as error:
            # Not cached: the next update of this member asks again.
            log.warning("users.info %s failed: %s: %s", user_id, type(error).__name__, error)
            return Actor(user_id=user_id, display_name=user_id)
        self._users[user_id] = (time.monotonic() + USER_CACHE_SECONDS, actor)
        return actor

    # -- outbound -------------------------------------------------------------------------

    async def perform(self, action: Action) -> Delivered:
        try:
            return await self._perform(action)
        except (
            SlackApiError,
            SlackClientError,
            aiohttp.ClientError,
            OSError,
            TimeoutError,
        ) as error:
            direct = isinstance(action, SendDirect) or (
                isinstance(action, SendFile) and action.private
            )
            raise translate_error(error, direct=direct) from error

    async def _perform(self, action: Action) -> Delivered:
        match action:
            case SendMessage():
                return await self._post(action.channel, action)
            case SendDirect():
                opened = await self.client.conversations_open(users=action.user_id)
                channel = ChannelRef(opened["channel"]["id"], is_direct=True)
                return await self._post(channel, action)
            case SendFile():
                return await self._upload(action)
            case SendEphemeral() | AnswerButton():
                return await self._answer(action)
            case AskText():
                return await self._ask_text(action)
            case EditMessage():
                return await self._edit(action)
            case DeleteMessage():
                return await self._delete(action)
            case PinMessage():
                return await self._pin(action)
            case UnpinMessage():
                return await self._unpin(action)
            case GiveRole() | TakeRole():
                return await change_group(self.client, self.bot, action)
            case (
                RestrictMember()
                | UnrestrictMember()
                | RemoveMember()
                | CrosspostMessage()
                | CreateScheduledEvent()
                | UpdateScheduledEvent()
                | CancelScheduledEvent()
            ):
                # Degraded before they get here (see core.degrade): a notice, or nothing
                # (Slack channels have no followers to publish to, and Slack has no event
                # object).
                raise NotSupported(f"Slack cannot {action.kind}")
            case _:
                assert_never(action)

    async def _answer(self, action: SendEphemeral | AnswerButton) -> Delivered:
        """A private answer: an ephemeral message, or a press's toast (none when empty)."""
        if isinstance(action, SendEphemeral):
            private = messages(action.text)
        else:
            private = [messages(Text((Span(action.toast),)))[0]] if action.toast else []
        for message in private:
            await self._ephemeral(action.interaction_id, action.channel, action.user_id, message)
        return Delivered()

    async def _edit(self, action: EditMessage) -> Delivered:
        assert action.message is not None
        text, body, cut = edit_message(action.text, action.buttons)
        if cut:
            log.warning(
                "bot %s: edit of %s cut to one message", self.bot, action.message.message_id
            )
        await self.client.chat_update(
            channel=action.message.channel.id, ts=action.message.message_id, text=text, blocks=body
        )
        return Delivered((action.message,))

    async def _delete(self, action: DeleteMessage) -> Delivered:
        assert action.message is not None
        try:
            await self.client.chat_delete(
                channel=action.message.channel.id, ts=action.message.message_id
            )
        except SlackApiError as error:
            if error.response.get("error") != "message_not_found":
                raise
        return Delivered()

    async def _unpin(self, action: UnpinMessage) -> Delivered:
        """``pins.remove``; a message no longer pinned (or gone) is done."""
        assert action.message is not None
        try:
            await self.client.pins_remove(
                channel=action.message.channel.id, timestamp=action.message.message_id
            )
        except SlackApiError as error:
            if error.response.get("error") not in ("no_pin", "message_not_found"):
                raise
        return Delivered((action.message,))

    async def _pin(self, action: PinMessage) -> Delivered:
        """``pins.add`` (the app needs ``pins:write``); a message pinned already is done."""
        assert action.message is not None
        try:
            await self.client.pins_add(
                channel=action.message.channel.id, timestamp=action.message.message_id
            )
        except SlackApiError as error:
            if error.response.get("error") != "already_pinned":
                raise
        return Delivered((action.message,))

    async def _ask_text(self, action: AskText) -> Delivered:
        """Open the form's modal with the press's ``trigger_id``; when Slack will not
        (the trigger expired, was used, anything else), the hint goes to the member
        privately instead, so a late or failed form is never silent."""
        try:
            await self.client.views_open(
                trigger_id=decode(action.interaction_id).trigger_id, view=form_view(action)
            )
        except SlackApiError as error:
            log.info(
                "bot %s: views.open refused (%s); the member gets the typed command",
                self.bot,
                error.response.get("error"),
            )
        except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as error:
            log.warning(
                "bot %s: views.open failed (%s: %s); the member gets the typed command",
                self.bot,
                type(error).__name__,
                error,
            )
        else:
            return Delivered()
        message = messages(Text((Span(action.fallback_text),)))[0]
        await self._ephemeral(action.interaction_id, action.channel, action.user_id, message)
        return Delivered()

    async def _ephemeral(
        self,
        interaction_id: str | None,
        channel: ChannelRef | None,
        user_id: str | None,
        message: Message,
    ) -> None:
        """A private answer: through the interaction's ``response_url`` while it is valid
        (it works where the bot is not a member), else ``chat.postEphemeral``; never a
        public message. Neither possible: :class:`PermanentDeliveryError`."""
        url = self._take_response_url(interaction_id)
        if url is not None and await self._respond(url, message):
            return
        if channel is None or not user_id or not channel.id:
            raise PermanentDeliveryError(
                "private answer cannot be delivered privately: the interaction's "
                "response_url is missing, expired or used up, and no member and channel "
                "are known for chat.postEphemeral"
            )
        text, blocks = message
        await self.client.chat_postEphemeral(
            channel=channel.id,
            user=user_id,
            text=text,
            blocks=blocks,
            thread_ts=channel.thread_id,
        )

    def _take_response_url(self, interaction_id: str | None) -> str | None:
        """The interaction's ``response_url`` (decoded from its id, so any process has it)
        while it is younger than 30 minutes and this process has not used it five times."""
        interaction = decode(interaction_id)
        url = interaction.response_url
        if url is None or not interaction.response_url_valid():
            return None
        used = self._response_uses.get(url, 0)
        if used >= RESPONSE_URL_USES:
            return None
        if len(self._response_uses) > 10_000:
            self._response_uses.clear()  # a bound, not a correctness matter: Slack refuses
        self._response_uses[url] = used + 1
        return url

    async def _respond(self, url: str, message: Message) -> bool:
        """An ephemeral answer through the interaction's ``response_url``.

        False when Slack refuses the URL (expired, used up): the caller then posts the
        answer with ``chat.postEphemeral`` instead of losing it."""
        text, blocks = message
        response = await AsyncWebhookClient(url).send_dict(
            {
                "response_type": "ephemeral",
                "replace_original": False,
                "text": text,
                "blocks": blocks,
            }
        )
        if response.status_code == 429:
            retry = retry_after(response.headers)
            raise RateLimited("response_url rate limited", retry_after=retry)
        if response.status_code >= 500:
            raise TransientDeliveryError(f"response_url answered {response.status_code}")
        if response.status_code >= 400:
            log.info(
                "bot %s: response_url refused (%s %s), answering with chat.postEphemeral",
                self.bot,
                response.status_code,
                response.body[:100],
            )
            return False
        return True

    async def _upload(self, action: SendFile) -> Delivered:
        """Slack's upload flow through ``files_upload_v2``: ``files.getUploadURLExternal``,
        the bytes POSTed to the returned URL, ``files.completeUploadExternal`` sharing the
        file in the channel (a DM is the member's IM channel from ``conversations.open``).

        The caption is Block Kit rich text (``blocks``), never ``initial_comment``, which
        Slack parses as mrkdwn; a caption longer than one message is posted before. Slack
        shows an image inline, judging by its name: a picture's gets its extension."""
        if action.user_id is not None:
            opened = await self.client.conversations_open(users=action.user_id)
            channel = ChannelRef(opened["channel"]["id"], is_direct=True)
        else:
            assert action.channel is not None
            channel = action.channel
        sent: list[MessageRef] = []
        extra: dict[str, Any] = {}
        if action.caption:
            *before, (_, caption_blocks) = messages(action.caption)
            for text, body in before:
                response = await self.client.chat_postMessage(
                    channel=channel.id, text=text, blocks=body, thread_ts=channel.thread_id
                )
                sent.append(MessageRef(ChannelRef(response["channel"]), response["ts"]))
            extra["blocks"] = json.dumps(caption_blocks)
        filename = shown_name(action.filename, action.mime_type)  # a picture shows inline
        await self.client.files_upload_v2(
            channel=channel.id,
            filename=filename,
            content=action.data,
            title=filename,
            thread_ts=channel.thread_id,
            **extra,
        )
        return Delivered(tuple(sent))

    async def _post(self, channel: ChannelRef, action: SendMessage | SendDirect) -> Delivered:
        sent: list[MessageRef] = []
        for text, body in messages(action.text, action.buttons):
            response = await self.client.chat_postMessage(
                channel=channel.id, text=text, blocks=body, thread_ts=channel.thread_id
            )
            posted = ChannelRef(response["channel"], channel.thread_id)
            sent.append(MessageRef(posted, response["ts"]))
        return Delivered(tuple(sent))


def create_adapter(config: SlackBotConfig, deps: AdapterDeps) -> SlackAdapter:
    return SlackAdapter(config, deps)
