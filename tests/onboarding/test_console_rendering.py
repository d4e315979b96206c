"""The console adapter prints names as they are, but never a terminal control sequence:
a display name with an escape character cannot clear the screen or fake a bot line."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from townsquare.adapters.console.outbound import describe
from townsquare.core.actions import SendDirect, SendMessage
from townsquare.core.i18n import Translator
from townsquare.core.onboarding.feature import DEFAULT_TEMPLATE
from townsquare.core.onboarding.templates import render, variables
from townsquare.core.refs import ChannelRef

HEAD = "townbot ›"


def greeting(names: list[str]) -> SendMessage:
    tr = Translator("en")
    values = variables(
        [(f"u{index}", name) for index, name in enumerate(names)],
        community="Town Square",
        member_count=len(names),
        rules="",
        tr=tr,
    )
    return SendMessage(
        bot="townbot", channel=ChannelRef("general"), text=render(DEFAULT_TEMPLATE, values)
    )


@given(st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=4))
def test_no_generated_name_prints_a_control_character_or_a_fake_line(names: list[str]) -> None:
    lines = describe(greeting(names), "townbot")
    assert lines[0].startswith(HEAD + " Welcome to Town Square, @")
    for line in lines:
        assert not any(
            (ord(char) < 32 and char != "\t") or 0x7F <= ord(char) <= 0x9F for char in line
        )
    assert all(not line.startswith(HEAD) for line in lines[1:]), "continuations are indented"


def test_an_escape_sequence_in_a_name_is_shown_not_obeyed() -> None:
    (line,) = describe(greeting(["\x1b[2J\x1b]0;pwned\x07Eve"]), "townbot")
    assert line == "townbot › Welcome to Town Square, @\ufffd[2J\ufffd]0;pwned\ufffdEve!"
    private = SendDirect(
        bot="townbot", user_id="eve", display_name="E\x1bve", text=greeting(["x"]).text
    )
    assert describe(private, "townbot")[0].startswith("townbot › (private to E\ufffdve)")
