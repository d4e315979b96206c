"""Slack payloads -> core events. Pure functions: the transport looks up users first.

Event ids: Events API ``event_id`` (retries carry the same id, so ``X-Slack-Retry-Num``
redeliveries are dropped by the core), ``trigger_id`` for slash commands, shortcuts and
button presses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from core.commands import CommandSyntaxError, split_arguments
from core.events import (
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
)
from core.refs import Actor, ChannelRef, CommunityRef, MessageRef, PlatformRole

JSON = Mapping[str, Any]
Users = Callable[[str], Actor]
"""Resolves a user id to an actor (display name, role), from a ``users.info`` cache."""

REPORT_SHORTCUT = "report_to_managers"
FORM_CALLBACK = "townsquare_form"
"""``callback_id`` of the modals the bot opens for :class:`core.actions.AskText`."""
FORM_BLOCK = "form"
FORM_INPUT = "text"
"""``block_id`` and ``action_id`` of the form's one text input."""
MAX_TEXT = 40_000
POSTED_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})
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
    except (TypeError, ValueError):
        return datetime.now(UTC)


class SlackMapper:
    def __init__(
        self, bot: str, bot_user_id: str, *, team_id: str = "", workspace_url: str = ""
    ) -> None:
        self.bot = bot
        self.bot_user_id = bot_user_id
        self.team_id = team_id
        self.workspace_url = workspace_url if workspace_url.startswith("https://") else ""

    def _envelope(
        self, event_id: str, team: str, channel: ChannelRef | None, who: Actor | None, when: Any
    ) -> dict[str, Any]:
        return {
            "platform": "slack",
            "bot": self.bot,
            "event_id": event_id,
            "occurred_at": _when(when),
            "community": CommunityRef(
                "slack", team, url=self.workspace_url if team == self.team_id else ""
            ),
            "channel": channel,
            "actor": who,
        }

    def event(self, body: JSON, users: Users) -> list[Event]:
        """An Events API callback -> events; bots' own messages and unknown kinds -> []."""
        event = body["event"]
        kind = event.get("type")
        team = body.get("team_id") or event.get("team") or ""
        event_id = str(body["event_id"])
        when = event.get("event_ts") or body.get("event_time")
        if kind == "message":
            return self._message(event, event_id, team, users, when)
        if kind in ("member_joined_channel", "member_left_channel"):
            channel = ChannelRef(event["channel"])
            user = event["user"]
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
            channel = ChannelRef(item["channel"])
            author = users(event["item_user"]) if event.get("item_user") else None
            return [
                ReactionAdded(
                    **self._envelope(event_id, team, channel, users(event["user"]), when),
                    message=MessageRef(channel, item["ts"]),
                    emoji=event["reaction"],
                    message_author=author,
                )
            ]
        return []

    def _message(
        self, event: JSON, event_id: str, team: str, users: Users, when: Any
    ) -> list[Event]:
        subtype = event.get("subtype")
        channel = ChannelRef(
            event["channel"],
            thread_id=event.get("thread_ts"),
            is_direct=event.get("channel_type") == "im",
        )
        if subtype == "message_changed":
            message = event.get("message") or {}
            if message.get("bot_id") or not message.get("user"):
                return []
            return [
                MessageEdited(
                    **self._envelope(event_id, team, channel, users(message["user"]), when),
                    message=MessageRef(channel, message["ts"]),
                    text=plain_text(str(message.get("text", "")))[:MAX_TEXT],
                )
            ]
        if subtype == "message_deleted":
            return [
                MessageDeleted(
                    **self._envelope(event_id, team, channel, None, when),
                    message=MessageRef(channel, event["deleted_ts"]),
                )
            ]
        if subtype not in POSTED_SUBTYPES or event.get("bot_id"):
            return []  # joins, topic changes, bots (ourselves included)
        if not event.get("user") or event["user"] == self.bot_user_id:
            return []
        return [
            MessagePosted(
                **self._envelope(event_id, team, channel, users(event["user"]), when),
                message=MessageRef(channel, event["ts"]),
                text=plain_text(str(event.get("text", "")))[:MAX_TEXT],
            )
        ]

    def command(self, payload: JSON, users: Users) -> CommandIssued:
        """A slash command (form fields) -> CommandIssued, split by the shared grammar.

        The text is decoded like message text first, so quotes, ``&`` and ``<`` reach the
        grammar exactly as the member typed them."""
        text = plain_text(str(payload.get("text", "")))
        try:
            argv, error = split_arguments(text), None
        except CommandSyntaxError as syntax_error:
            argv, error = (), str(syntax_error)
        channel = ChannelRef(
            payload["channel_id"], is_direct=str(payload.get("channel_name")) == "directmessage"
        )
        return CommandIssued(
            **self._envelope(
                str(payload["trigger_id"]),
                payload["team_id"],
                channel,
                users(payload["user_id"]),
                None,
            ),
            name=str(payload["command"]).lstrip("/").lower(),
            argv=argv,
            arg_text=text,
            syntax_error=error,
            interaction_id=str(payload["trigger_id"]),
        )

    def action(self, payload: JSON, users: Users) -> list[Event]:
        """``block_actions`` -> one ButtonPressed per pressed button."""
        channel = ChannelRef((payload.get("channel") or {}).get("id", ""))
        container = payload.get("container") or {}
        message_ts = container.get("message_ts") or (payload.get("message") or {}).get("ts")
        who = users(payload["user"]["id"])
        team = (payload.get("team") or {}).get("id") or payload["user"].get("team_id", "")
        return [
            ButtonPressed(
                **self._envelope(
                    f"{payload['trigger_id']}:{n}", team, channel, who, action.get("action_ts")
                ),
                data=str(action.get("value", "")),
                interaction_id=str(payload["trigger_id"]),
                message=MessageRef(channel, message_ts) if message_ts else None,
            )
            for n, action in enumerate(payload.get("actions", []))
            if action.get("type") == "button"
        ]

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
        team = (payload.get("team") or {}).get("id") or payload["user"].get("team_id", "")
        trigger = str(payload.get("trigger_id") or f"{view.get('id')}:{view.get('hash')}")
        return ButtonPressed(
            **self._envelope(trigger, team, channel, users(payload["user"]["id"]), None),
            data=str(meta["d"]),
            interaction_id=trigger,
            text=str(entered.get("value") or ""),
        )

    def shortcut(self, payload: JSON, users: Users) -> CommandIssued | None:
        """The "Report to managers" message shortcut -> ``/report`` replying to that message."""
        if payload.get("callback_id") != REPORT_SHORTCUT:
            return None
        channel = ChannelRef(payload["channel"]["id"])
        message = payload["message"]
        author = users(message["user"]) if message.get("user") else None
        team = (payload.get("team") or {}).get("id", "")
        return CommandIssued(
            **self._envelope(
                str(payload["trigger_id"]), team, channel, users(payload["user"]["id"]), None
            ),
            name="report",
            reply_to=MessageRef(channel, message["ts"]),
            reply_to_author=author,
            reply_to_text=plain_text(str(message["text"])) if message.get("text") else None,
            interaction_id=str(payload["trigger_id"]),
        )
