"""Slack payloads -> core events. Pure functions: the transport looks up users first.

Event ids: Events API ``event_id`` (retries carry the same id, so ``X-Slack-Retry-Num``
redeliveries are dropped by the core's de-duplication record), ``trigger_id`` for slash
commands, shortcuts and button presses; a payload without one gets a stable hash of its
body, so a redelivery of it is still recognised.

Real payloads lack fields the documentation shows: an edit's ``message`` may carry no
``ts`` (it is in ``previous_message``), a classic bot message may have no ``channel`` and
a payload relayed by another tool no ``event_id``. Only what an event cannot exist
without is required; everything else is read with a default, unknown fields and kinds are
ignored. A payload that still cannot be mapped raises, and the transport hands
:meth:`SlackMapper.rejected` to the sink instead, so the update is stored, never lost.
An edit or deletion in a thread takes its thread from the message itself
(``message.thread_ts``, ``previous_message.thread_ts``), not from the envelope, which
has none.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from townsquare.adapters.slack.interaction import encode
from townsquare.core.commands import CommandSyntaxError, split_arguments
from townsquare.core.events import (
    BotAdded,
    BotRemoved,
    ButtonPressed,
    CommandIssued,
    Event,
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    UpdateRejected,
)
from townsquare.core.refs import (
    Actor,
    Attachment,
    ChannelRef,
    CommunityRef,
    MessageRef,
    PlatformRole,
)
from townsquare.core.sanitize import sanitized

JSON = Mapping[str, Any]
Users = Callable[[str], Actor]
"""Resolves a user id to an actor (display name, role), from a ``users.info`` cache."""

REPORT_SHORTCUT = "report_to_managers"
FEEDBACK_SHORTCUT = "send_as_feedback"
SHORTCUT_COMMANDS = {REPORT_SHORTCUT: "report", FEEDBACK_SHORTCUT: "feedback"}
"""Each message shortcut's ``callback_id`` and the command it sends as a reply to the
message: "Report to managers" (``/report``), "Send as feedback" (``/feedback``)."""
FORM_CALLBACK = "townsquare_form"
"""``callback_id`` of the modals the bot opens for :class:`core.actions.AskText`."""
FORM_BLOCK = "form"
FORM_INPUT = "text"
"""``block_id`` and ``action_id`` of the form's one text input."""
MAX_TEXT = 40_000
POSTED_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})


def files(value: Any) -> tuple[Attachment, ...]:
    """The files of a ``file_share`` message, each with its permalink (which opens for
    members of the workspace only)."""
    if not isinstance(value, list):
        return ()
    found = []
    for item in value[:10]:
        if not isinstance(item, dict):
            continue
        mime = str(item.get("mimetype") or "").split("/", 1)[0]
        kind = {"image": "photo", "video": "video", "audio": "audio"}.get(mime, "file")
        link = item.get("permalink")
        found.append(
            Attachment(kind, str(item.get("name") or ""), link if isinstance(link, str) else None)
        )
    return tuple(found)


"""Message subtypes a member wrote; the others are joins, topic changes, bots..."""

_MARKUP = re.compile(r"<([^<>]*)>")


def _plain_markup(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@"):  # user mention <@U123> or <@U123|bob>
        return label if label.startswith("@") else f"@{label or target[1:]}"
    if target.startswith("#"):  # channel <#C123|general>
        return f"#{label or target[1:]}"
    if target.startswith("!"):  # <!here>, <!subteam^S1|@team>, <!date^...|fallback>
        return label or f"@{target[1:].split('^', 1)[0]}"
    if not label or label == target:
        return target
    if target.startswith("mailto:"):
        return label
    return f"{label} ({target})"


def plain_text(mrkdwn: str) -> str:
    """What a member typed, from Slack's escaped message format.

    Slack sends ``&``, ``<`` and ``>`` as entities and wraps mentions, channels and links
    in ``<...>``. The core wants plain text: passing the entities on would make the
    outbound renderer escape them a second time (``Tom &amp;amp; Jerry``), and a link's
    target must stay visible to moderation, so ``<url|label>`` becomes ``label (url)``.
    """
    text = _MARKUP.sub(_plain_markup, mrkdwn)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def user_actor(user: JSON) -> Actor:
    """A ``users.info`` user object -> actor; owners and admins manage the community."""
    profile = user.get("profile") or {}
    name = (
        profile.get("display_name")
        or profile.get("real_name")
        or user.get("real_name")
        or user.get("name")
        or user["id"]
    )
    role = PlatformRole.MEMBER
    if user.get("is_owner") or user.get("is_primary_owner"):
        role = PlatformRole.OWNER
    elif user.get("is_admin"):
        role = PlatformRole.ADMIN
    return Actor(
        user_id=user["id"],
        display_name=name,
        is_bot=bool(user.get("is_bot")),
        platform_role=role,
        username=user.get("name"),
    )


def _when(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (TypeError, ValueError, OverflowError):
        return datetime.now(UTC)


def body_hash(body: Any) -> str:
    """A stable id for a payload without one: the same body always gives the same id."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()[:40]


def update_kind(body: JSON) -> str:
    """What Slack sent, for logs and :class:`UpdateRejected`: ``event_callback/message``,
    ``slash_command``, ``block_actions``..."""
    kind = str(body.get("type") or ("slash_command" if "command" in body else "unknown"))
    event = body.get("event")
    if kind == "event_callback" and isinstance(event, Mapping):
        return f"{kind}/{event.get('type') or 'unknown'}"
    return kind


def _id(payload: JSON) -> str:
    return str(payload.get("trigger_id") or "") or body_hash(payload)


class SlackMapper:
    def __init__(
        self, bot: str, bot_user_id: str, *, team_id: str = "", workspace_url: str = ""
    ) -> None:
        self.bot = bot
        self.bot_user_id = bot_user_id
        self.team_id = team_id
        self.workspace_url = workspace_url if workspace_url.startswith("https://") else ""

    def _community(self, team: str) -> CommunityRef:
        return CommunityRef("slack", team, url=self.workspace_url if team == self.team_id else "")

    def _envelope(
        self, event_id: str, team: str, channel: ChannelRef | None, who: Actor | None, when: Any
    ) -> dict[str, Any]:
        return {
            "platform": "slack",
            "bot": self.bot,
            "event_id": event_id,
            "occurred_at": _when(when),
            "community": self._community(team),
            "channel": channel,
            "actor": who,
        }

    @sanitized
    def rejected(self, body: JSON, reason: str) -> UpdateRejected:
        """The update that could not be mapped, to be stored with its payload."""
        event = body.get("event") if isinstance(body.get("event"), Mapping) else {}
        assert isinstance(event, Mapping)
        team = body.get("team_id") or event.get("team") or (body.get("team") or {})
        team_id = team.get("id") if isinstance(team, Mapping) else team
        event_id = str(body.get("event_id") or body.get("trigger_id") or "")
        return UpdateRejected(
            platform="slack",
            bot=self.bot,
            event_id=event_id or body_hash(body),
            occurred_at=_when(event.get("event_ts") or body.get("event_time")),
            community=self._community(str(team_id)) if team_id else None,
            channel=None,
            actor=None,
            raw=body,
            update_kind=update_kind(body),
            reason=reason,
        )

    @sanitized
    def event(self, body: JSON, users: Users) -> list[Event]:
        """An Events API callback -> events; bots' own messages and unknown kinds -> []."""
        event = body["event"]
        kind = event.get("type")
        team = str(body.get("team_id") or event.get("team") or "")
        event_id = str(body.get("event_id") or "") or body_hash(body)
        when = event.get("event_ts") or body.get("event_time")
        if kind == "message":
            return self._message(event, event_id, team, users, when)
        if kind in ("member_joined_channel", "member_left_channel"):
            channel = ChannelRef(str(event["channel"]))
            user = str(event["user"])
            if user == self.bot_user_id:
                cls = BotAdded if kind == "member_joined_channel" else BotRemoved
                inviter = event.get("inviter")
                return [
                    cls(
                        **self._envelope(
                            event_id, team, channel, users(inviter) if inviter else None, when
                        )
                    )
                ]
            member = users(user)  # other bots too: core features decide (``/welcome bots``)
            actor = users(event["inviter"]) if event.get("inviter") else member
            envelope = self._envelope(event_id, team, channel, actor, when)
            if kind == "member_joined_channel":
                return [MemberJoined(**envelope, member=member, channel_only=True)]
            return [MemberLeft(**envelope, member=member, channel_only=True)]
        if kind == "team_join":
            member = user_actor(event["user"])
            return [
                MemberJoined(**self._envelope(event_id, team, None, member, when), member=member)
            ]
        if kind == "reaction_added":
            item = event.get("item") or {}
            if item.get("type") != "message":
                return []
            channel = ChannelRef(str(item["channel"]))
            author = users(event["item_user"]) if event.get("item_user") else None
            return [
                ReactionAdded(
                    **self._envelope(event_id, team, channel, users(event["user"]), when),
                    message=MessageRef(channel, str(item["ts"])),
                    emoji=str(event["reaction"]),
                    message_author=author,
                )
            ]
        return []

    def _channel(self, event: JSON, thread: Any = None) -> ChannelRef:
        return ChannelRef(
            str(event["channel"]),
            thread_id=str(thread) if thread else None,
            is_direct=event.get("channel_type") == "im",
        )

    def _message(
        self, event: JSON, event_id: str, team: str, users: Users, when: Any
    ) -> list[Event]:
        subtype = event.get("subtype")
        if subtype == "message_changed":
            return self._edited(event, event_id, team, users, when)
        if subtype == "message_deleted":
            previous = event.get("previous_message") or {}
            ts = event.get("deleted_ts") or previous.get("ts")
            if not ts:
                raise ValueError("message_deleted names no message (no deleted_ts)")
            thread = previous.get("thread_ts")
            channel = self._channel(event, thread if thread != ts else None)
            return [
                MessageDeleted(
                    **self._envelope(event_id, team, channel, None, when),
                    message=MessageRef(channel, str(ts)),
                )
            ]
        if subtype not in POSTED_SUBTYPES or event.get("bot_id"):
            return []  # joins, topic changes, bots (ourselves included)
        if not event.get("user") or event["user"] == self.bot_user_id:
            return []
        ts = event.get("ts") or event.get("event_ts")
        if not ts:
            raise ValueError("a message without ts")
        channel = self._channel(event, event.get("thread_ts"))
        return [
            MessagePosted(
                **self._envelope(event_id, team, channel, users(str(event["user"])), when),
                message=MessageRef(channel, str(ts)),
                text=plain_text(str(event.get("text") or ""))[:MAX_TEXT],
                attachments=files(event.get("files")),
            )
        ]

    def _edited(
        self, event: JSON, event_id: str, team: str, users: Users, when: Any
    ) -> list[Event]:
        """``message_changed``: the edited message is ``message``, which may lack ``ts``
        (then ``previous_message`` has it); its thread is the message's own
        ``thread_ts``, unless that is the message itself (a thread's first message)."""
        message = event.get("message") or {}
        previous = event.get("previous_message") or {}
        if message.get("bot_id") or not message.get("user"):
            return []
        ts = message.get("ts") or previous.get("ts")
        if not ts:
            raise ValueError("message_changed names no message (no ts in message or previous)")
        thread = message.get("thread_ts") or previous.get("thread_ts")
        channel = self._channel(event, thread if thread != ts else None)
        return [
            MessageEdited(
                **self._envelope(event_id, team, channel, users(str(message["user"])), when),
                message=MessageRef(channel, str(ts)),
                text=plain_text(str(message.get("text") or ""))[:MAX_TEXT],
            )
        ]

    @sanitized
    def command(self, payload: JSON, users: Users) -> CommandIssued:
        """A slash command (form fields) -> CommandIssued, split by the shared grammar.

        The text is decoded like message text first, so quotes, ``&`` and ``<`` reach the
        grammar exactly as the member typed them."""
        text = plain_text(str(payload.get("text") or ""))
        try:
            argv, error = split_arguments(text), None
        except CommandSyntaxError as syntax_error:
            argv, error = (), str(syntax_error)
        channel = ChannelRef(
            str(payload["channel_id"]),
            is_direct=str(payload.get("channel_name")) == "directmessage",
        )
        trigger = _id(payload)
        return CommandIssued(
            **self._envelope(
                trigger,
                str(payload.get("team_id") or ""),
                channel,
                users(str(payload["user_id"])),
                None,
            ),
            name=str(payload["command"]).lstrip("/").lower(),
            argv=argv,
            arg_text=text,
            syntax_error=error,
            interaction_id=self._interaction(payload, trigger),
        )

    @staticmethod
    def _interaction(payload: JSON, trigger: str) -> str:
        """The ``interaction_id``: trigger and ``response_url`` (see
        :mod:`adapters.slack.interaction`), so any process can answer privately."""
        url = payload.get("response_url")
        return encode(trigger, str(url) if url else None, time.time())

    @staticmethod
    def _team(payload: JSON) -> str:
        team = payload.get("team") or {}
        user = payload.get("user") or {}
        return str((team.get("id") if isinstance(team, Mapping) else "") or user.get("team_id", ""))

    @sanitized
    def action(self, payload: JSON, users: Users) -> list[Event]:
        """``block_actions`` -> one ButtonPressed per pressed button."""
        channel = ChannelRef(str((payload.get("channel") or {}).get("id", "")))
        container = payload.get("container") or {}
        message_ts = container.get("message_ts") or (payload.get("message") or {}).get("ts")
        who = users(str(payload["user"]["id"]))
        trigger = _id(payload)
        interaction = self._interaction(payload, trigger)
        return [
            ButtonPressed(
                **self._envelope(
                    f"{trigger}:{n}", self._team(payload), channel, who, action.get("action_ts")
                ),
                data=str(action.get("value", "")),
                interaction_id=interaction,
                message=MessageRef(channel, str(message_ts)) if message_ts else None,
            )
            for n, action in enumerate(payload.get("actions") or [])
            if action.get("type") == "button"
        ]

    @sanitized
    def form_submitted(self, payload: JSON, users: Users) -> ButtonPressed | None:
        """A ``view_submission`` of a form modal -> the press it answers: ``data`` and the
        channel (thread, message) from the view's ``private_metadata``, which the adapter
        wrote when it opened the modal, ``text`` from its input. None for other views."""
        view = payload.get("view") or {}
        if view.get("callback_id") != FORM_CALLBACK:
            return None
        try:
            meta = json.loads(str(view.get("private_metadata") or ""))
        except ValueError:
            return None
        if not isinstance(meta, dict) or not meta.get("d"):
            return None
        values = (view.get("state") or {}).get("values") or {}
        entered = (values.get(FORM_BLOCK) or {}).get(FORM_INPUT) or {}
        channel = ChannelRef(str(meta["c"]), meta.get("t")) if meta.get("c") else None
        trigger = str(payload.get("trigger_id") or f"{view.get('id')}:{view.get('hash')}")
        return ButtonPressed(
            **self._envelope(
                trigger, self._team(payload), channel, users(str(payload["user"]["id"])), None
            ),
            data=str(meta["d"]),
            interaction_id=trigger,
            text=str(entered.get("value") or ""),
        )

    @sanitized
    def shortcut(self, payload: JSON, users: Users) -> CommandIssued | None:
        """A message shortcut ("Report to managers", "Send as feedback") -> its command
        (``/report``, ``/feedback``) replying to that message."""
        name = SHORTCUT_COMMANDS.get(str(payload.get("callback_id")))
        if name is None:
            return None
        channel = ChannelRef(str(payload["channel"]["id"]))
        message = payload["message"]
        author = users(str(message["user"])) if message.get("user") else None
        trigger = _id(payload)
        ts = message.get("ts") or payload.get("message_ts")
        if not ts:
            raise ValueError("a message shortcut without the message's ts")
        return CommandIssued(
            **self._envelope(
                trigger, self._team(payload), channel, users(str(payload["user"]["id"])), None
            ),
            name=name,
            reply_to=MessageRef(channel, str(ts)),
            reply_to_author=author,
            reply_to_text=plain_text(str(message["text"])) if message.get("text") else None,
            interaction_id=self._interaction(payload, trigger),
        )
