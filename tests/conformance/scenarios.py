"""The shared adapter-conformance contract.

Every adapter replays the same scenarios from realistic native payloads of its platform and
must produce exactly the core event described here; and it must turn the same list of
actions into native API calls. Adapter test modules supply the platform side (a payload per
scenario, the expected native call per action) and use :func:`assert_conforms`.

Values are platform-neutral: ids are whatever the adapter's payloads use, names and texts are
fixed here so the hostile display name travels through every adapter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from townsquare.core.actions import (
    Action,
    AnswerButton,
    Button,
    ButtonStyle,
    DeleteMessage,
    EditMessage,
    RemoveMember,
    RestrictMember,
    SendDirect,
    SendFile,
    SendMessage,
    UnrestrictMember,
)
from townsquare.core.events import (
    BotAdded,
    ButtonPressed,
    CommandIssued,
    Event,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    ReactionAdded,
)
from townsquare.core.refs import ChannelRef, CommunityRef, MessageRef
from townsquare.core.text import Text, bold, compose, mention

MEMBER_NAME = "Alice"
HOSTILE_NAME = "@everyone <b>*Eve*</b> <!channel> _x_ &amp; @here"
MESSAGE_TEXT = "Hello everyone, first time here"
COMMAND_TEXT = '/poll “Lunch today?” "Pizza place" Sushi --multi --closes 2h'
COMMAND_NAME = "poll"
COMMAND_ARGV = ("Lunch today?", "Pizza place", "Sushi", "--multi", "--closes", "2h")
BUTTON_DATA = "poll:7:1"
REACTION_EMOJI = "👎"
FILE_NAME = "poll-7.csv"
FILE_BYTES = 'option,votes,voters\r\n"Pizza, thin",1,Zoë\r\n'.encode() + b"\xff\x00\r\n"
"""Not valid UTF-8 at the end, so an adapter that re-encodes the bytes is caught."""


@dataclass(frozen=True)
class Scenario:
    name: str
    event_type: type[Event]
    fields: Mapping[str, Any] = field(default_factory=dict)
    """Dotted attribute paths of the event and their expected values."""


SCENARIOS: Sequence[Scenario] = (
    Scenario("join", MemberJoined, {"member.display_name": MEMBER_NAME, "member.is_bot": False}),
    Scenario("join_hostile", MemberJoined, {"member.display_name": HOSTILE_NAME}),
    Scenario("leave", MemberLeft, {"member.display_name": MEMBER_NAME}),
    Scenario("message", MessagePosted, {"text": MESSAGE_TEXT, "actor.display_name": MEMBER_NAME}),
    Scenario("command", CommandIssued, {"name": COMMAND_NAME, "argv": COMMAND_ARGV}),
    Scenario("button", ButtonPressed, {"data": BUTTON_DATA}),
    Scenario("reaction", ReactionAdded, {"emoji": REACTION_EMOJI}),
    Scenario("bot_added", BotAdded, {}),
)


def scenario(name: str) -> Scenario:
    return next(s for s in SCENARIOS if s.name == name)


def _attribute(event: Event, path: str) -> Any:
    value: Any = event
    for part in path.split("."):
        value = getattr(value, part)
    return value


def assert_conforms(
    events: Sequence[Event], expected: Scenario, *, platform: str, bot: str
) -> Event:
    """Exactly one event of the scenario's type, with the common envelope filled in."""
    assert len(events) == 1, f"{expected.name}: expected one event, got {events!r}"
    event = events[0]
    assert isinstance(event, expected.event_type), f"{expected.name}: got {event.kind}"
    assert event.platform == platform
    assert event.bot == bot
    assert event.event_id, "event_id must be set for de-duplication"
    assert event.occurred_at.tzinfo is not None
    assert event.occurred_at.utcoffset() == timedelta(0), "occurred_at must be UTC"
    assert event.community is not None or (event.channel is not None and event.channel.is_direct)
    if not isinstance(event, BotAdded):
        assert event.actor is not None and event.actor.user_id
    for path, value in expected.fields.items():
        actual = _attribute(event, path)
        assert actual == value, f"{expected.name}: {path} is {actual!r}, expected {value!r}"
    return event


def conformance_actions(
    *, bot: str, community: CommunityRef, channel: ChannelRef, message_id: str, user_id: str
) -> dict[str, Action]:
    """The outbound list every adapter must turn into native calls, keyed by a short name."""
    greeting: Text = compose(
        "Welcome, {who}! {rules}", who=mention(user_id, HOSTILE_NAME), rules=bold("Be kind")
    )
    buttons = (
        (Button("Pizza", "poll:7:0"), Button("Sushi", "poll:7:1", ButtonStyle.PRIMARY)),
        (Button("Retract vote", "poll:7:r", ButtonStyle.DANGER),),
    )
    message = MessageRef(channel, message_id)
    return {
        "send": SendMessage(bot=bot, channel=channel, text=greeting, buttons=buttons),
        "send_long": SendMessage(bot=bot, channel=channel, text=Text() + ("word " * 20_000)),
        "edit": EditMessage(bot=bot, message=message, text=greeting, buttons=buttons),
        "delete": DeleteMessage(bot=bot, message=message),
        "answer": AnswerButton(
            bot=bot,
            interaction_id="interaction-1",
            toast="Vote recorded",
            channel=channel,
            user_id=user_id,
        ),
        "direct": SendDirect(bot=bot, user_id=user_id, display_name=HOSTILE_NAME, text=greeting),
        "restrict": RestrictMember(
            bot=bot,
            community=community,
            channel=channel,
            user_id=user_id,
            until=datetime(2030, 1, 1, tzinfo=UTC),
        ),
        "unrestrict": UnrestrictMember(
            bot=bot, community=community, channel=channel, user_id=user_id
        ),
        "remove": RemoveMember(bot=bot, community=community, channel=channel, user_id=user_id),
        "file": SendFile(
            bot=bot,
            channel=channel,
            filename=FILE_NAME,
            data=FILE_BYTES,
            mime_type="text/csv",
            caption=greeting,
        ),
    }
