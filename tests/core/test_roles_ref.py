"""A role named in a command argument: the platform's id, or None for anything else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conformance.scenarios import HOSTILE_NAME
from townsquare.core.roles_ref import MAX_REFERENCE, parse_role_ref

ROLE = "123456789012345678"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"<@&{ROLE}>", ROLE),
        (ROLE, ROLE),
        (f"  <@&{ROLE}>\n", ROLE),
        ("9223372036854775807", "9223372036854775807"),  # the largest Discord id
    ],
)
def test_discord_role_mentions_and_ids(text: str, expected: str) -> None:
    assert parse_role_ref(text, "discord") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<!subteam^S0123ABC|@regulars>", "S0123ABC"),
        ("<!subteam^S0123ABC|regulars>", "S0123ABC"),
        ("<!subteam^S0123ABC>", "S0123ABC"),
        ("S0123ABC", "S0123ABC"),
        (" S00000001 ", "S00000001"),
    ],
)
def test_slack_user_group_references_and_ids(text: str, expected: str) -> None:
    assert parse_role_ref(text, "slack") == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "off",
        "@Regulars",
        "@everyone",
        "@here",
        f"<@{ROLE}>",  # a member, not a role
        f"<@!{ROLE}>",
        f"<#{ROLE}>",
        f"<@&{ROLE}> <@&{ROLE}>",
        f"<@&{ROLE}> and more",
        f"x<@&{ROLE}>",
        f"<@&{ROLE}",
        "<@&>",
        "<@&0123456789012345678>",  # a leading zero is no snowflake
        "0",
        "12345",  # too short to be an id
        "1" * 21,  # too long
        "18446744073709551616",  # over 64 bits
        "9223372036854775808",  # over Discord's clock
        "１２３４５６７８９０１２３４５６７８",  # full-width digits
        "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨",  # Arabic-Indic digits
        f"{ROLE}\x00",
        f"\u202e{ROLE}",  # a right-to-left override
        f"{ROLE}\u200b",  # a zero-width space
        HOSTILE_NAME,
        "S0123ABC",  # a Slack id means nothing on Discord
        "<!subteam^S0123ABC>",
    ],
)
def test_anything_else_is_no_discord_role(text: str) -> None:
    assert parse_role_ref(text, "discord") is None


@pytest.mark.parametrize(
    "text",
    [
        "@regulars",
        "<!channel>",
        "<!here>",
        "<!everyone>",
        "<!subteam^S0123ABC|@a> <!subteam^S0123ABC|@b>",
        "<!subteam^s0123abc>",  # ids are capitals
        "<!subteam^U0123ABC>",  # a member
        "<!subteam^S0123ABC|@a>b>",
        "<!subteam^S0123ABC|@a|b>",
        "<!subteam^S0123ABC|\x1b[2J>",
        "<!subteam^S0123ABC|" + "x" * 81 + ">",
        "<@U0123ABC>",
        "U0123ABC",
        "S1",
        "S" + "A" * 21,
        "S0123ABC\n<!channel>",
        "Ｓ0123ABC",  # a full-width S
        ROLE,  # a Discord id means nothing on Slack
    ],
)
def test_anything_else_is_no_slack_group(text: str) -> None:
    assert parse_role_ref(text, "slack") is None


@pytest.mark.parametrize("platform", ["telegram", "telegram-ptb", "console", "memory", ""])
def test_platforms_without_roles_name_none(platform: str) -> None:
    assert parse_role_ref(ROLE, platform) is None
    assert parse_role_ref("S0123ABC", platform) is None


def test_a_huge_argument_is_refused_without_work() -> None:
    assert parse_role_ref(" " * MAX_REFERENCE + ROLE, "discord") is None
    assert parse_role_ref("<!subteam^S0123ABC|" + "@" * 10_000_000, "slack") is None


@given(st.text(max_size=300), st.sampled_from(["discord", "slack", "telegram"]))
def test_whatever_is_typed_the_answer_is_none_or_a_bare_id(text: str, platform: str) -> None:
    role = parse_role_ref(text, platform)
    assert role is None or (role.isascii() and role.isalnum())
    if role is not None:
        assert role in text
        assert role.isdigit() if platform == "discord" else role.startswith("S")
