"""Capability fallbacks are visible, never silent."""

from __future__ import annotations

from core.actions import Button, RestrictMember, SendEphemeral, SendMessage
from core.capabilities import Capability
from core.degrade import degrade
from core.text import as_text
from tests.support import CHANNEL, COMMUNITY

EVERYTHING = frozenset(Capability)


def test_buttons_become_commands_to_type() -> None:
    action = SendMessage(
        bot="b",
        channel=CHANNEL,
        text=as_text("Lunch?"),
        buttons=((Button("Pizza", "poll:1:0", fallback="/vote 1 1"),),),
    )
    (degraded,) = degrade(action, EVERYTHING - {Capability.BUTTONS})
    assert isinstance(degraded, SendMessage) and degraded.buttons == ()
    assert degraded.text.plain() == "Lunch?\n\nPizza: /vote 1 1"
    assert degrade(action, EVERYTHING) == [action]


def test_mute_without_restrict_becomes_a_notice() -> None:
    mute = RestrictMember(bot="b", community=COMMUNITY, channel=CHANNEL, user_id="u1")
    (notice,) = degrade(mute, EVERYTHING - {Capability.RESTRICT})
    assert (
        isinstance(notice, SendMessage) and "managers need to do it by hand" in notice.text.plain()
    )


def test_ephemeral_without_support_goes_private_with_a_fallback() -> None:
    action = SendEphemeral(
        bot="b", channel=CHANNEL, user_id="u1", display_name="Bob", text=as_text("only you")
    )
    (direct,) = degrade(action, EVERYTHING - {Capability.EPHEMERAL})
    assert direct.kind == "send_direct" and direct.fallback_channel == CHANNEL  # type: ignore[union-attr]
