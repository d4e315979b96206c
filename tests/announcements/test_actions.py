"""PinMessage and CrosspostMessage in the core: stored and read back from the outbox, in the
lane that keeps them after the send they name, paced as the platform counts them, dropped
where the platform cannot, and a refused pin tells the manager."""

from __future__ import annotations

from townsquare.adapters.console.outbound import CAPABILITIES as CONSOLE
from townsquare.adapters.discord.outbound import CAPABILITIES as DISCORD
from townsquare.adapters.slack.outbound import CAPABILITIES as SLACK
from townsquare.adapters.telegram.outbound import CAPABILITIES as TELEGRAM
from townsquare.core.actions import (
    CrosspostMessage,
    PinMessage,
    SendDirect,
    SendMessage,
    action_from_payload,
    action_to_payload,
)
from townsquare.core.capabilities import Capability
from townsquare.core.degrade import degrade
from townsquare.core.errors import PermanentDeliveryError
from townsquare.core.notices import give_up_notice, refusal_notice
from townsquare.core.refs import ChannelRef
from townsquare.core.text import Text
from townsquare.storage.outbox import lane_of

CHANNEL = ChannelRef("-100123")
NOTICE = SendDirect(bot="tg", user_id="7", display_name="Mo", text=Text() + "not pinned")
PIN = PinMessage(bot="tg", channel=CHANNEL, key="announce:1:1:0", on_failure=NOTICE)
PUBLISH = CrosspostMessage(bot="dc", channel=ChannelRef("555"), key="announce:1:1:1")


def test_both_survive_the_outbox() -> None:
    for action in (PIN, PUBLISH):
        assert action_from_payload(action_to_payload(action)) == action


def test_a_pin_follows_its_send_in_the_chats_lane_a_publication_has_its_own() -> None:
    send = SendMessage(bot="tg", channel=CHANNEL, text=Text() + "hi", key="announce:1:1:0")
    assert lane_of(PIN) == lane_of(send) == "tg:chat:-100123"
    assert lane_of(PUBLISH) == "dc:crosspost:555"


def test_which_platforms_pin_and_which_publish() -> None:
    assert Capability.PIN in TELEGRAM & DISCORD & SLACK
    assert Capability.PIN not in CONSOLE
    assert Capability.CROSSPOST in DISCORD
    assert not {Capability.CROSSPOST} & (TELEGRAM | SLACK | CONSOLE)


def test_where_the_platform_cannot_they_are_dropped() -> None:
    assert degrade(PIN, CONSOLE) == []
    assert degrade(PIN, TELEGRAM) == [PIN]
    assert degrade(PUBLISH, TELEGRAM) == [] and degrade(PUBLISH, SLACK) == []
    assert degrade(PUBLISH, DISCORD) == [PUBLISH]


def test_a_refused_pin_tells_the_manager_with_the_reason() -> None:
    (notice,) = refusal_notice(PIN, PermanentDeliveryError("not enough rights to pin"))
    assert isinstance(notice, SendDirect) and notice.user_id == "7"
    assert "not pinned" in notice.text.plain() and "not enough rights" in notice.text.plain()
    assert give_up_notice(PIN, RuntimeError("down")) == ()  # no on_give_up given
    assert refusal_notice(PUBLISH, PermanentDeliveryError("no")) == ()
