"""``[[spaces]]``: each community is ``bot:community[/channel]`` of a known bot, in one
space only; a mistake is one line naming the key and the fix."""

from __future__ import annotations

from typing import Any

import pytest

from townsquare.bots.config import ConfigError, parse_config
from townsquare.core.spaces import Place

BOTS = [
    {"name": "tg", "platform": "telegram", "token": "123456:abcdefghijklmnopqrstuvwxyz0123456789"},
    {"name": "dc", "platform": "discord", "token": "discord-token"},
    {
        "name": "sl",
        "platform": "slack",
        "token": "xoxb-1",
        "signing_secret": "s",
        "listen": ":3000",
    },
]


def parsed(*spaces: dict[str, Any]) -> Any:
    return parse_config({"bots": BOTS, "spaces": list(spaces)}, {}, "bots.toml")


def refused(*spaces: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as caught:
        parsed(*spaces)
    return caught.value.problems


def test_a_space_maps_each_community_to_the_channel_that_gets_its_posts() -> None:
    config = parsed({"name": "acme", "communities": ["tg:-1001234", "dc:98/76", "sl:T1/C2"]})
    directory = config.space_directory()
    space = directory.of("dc", "98")
    assert space is not None and space.name == "acme"
    assert space.places == (
        Place("tg", "-1001234", "-1001234"),
        Place("dc", "98", "76"),
        Place("sl", "T1", "C2"),
    )
    assert directory.of("tg", "-1001234") is space
    default = parsed({"name": "b", "communities": ["tg:-1", "dc:98"]}).space_directory()
    (space_b,) = default.spaces
    assert space_b.places[1] == Place("dc", "98", "98"), "the guild's welcome channel"
    assert directory.of("tg", "-999") is None and directory.of("dc", None) is None


@pytest.mark.parametrize(
    ("communities", "says"),
    [
        (["tg:-1", "xx:5"], "no bot 'xx' among [[bots]] (dc, sl, tg)"),
        (["tg:-1", "sl:T1"], "name the channel that gets the space's posts (sl:T1/CHANNEL_ID)"),
        (["tg:-1", "sl"], "write a community as bot:community or bot:community/channel"),
        (["tg:-1", "sl:T1/C2/C3"], "write a community as bot:community or bot:community/channel"),
    ],
)
def test_a_community_that_cannot_be_used_is_named_with_the_fix(
    communities: list[str], says: str
) -> None:
    ((_key, message),) = refused({"name": "acme", "communities": communities})
    assert says in message and "\n" not in message


def test_a_community_is_in_one_space_and_names_are_unique() -> None:
    ((_key, message),) = refused(
        {"name": "a", "communities": ["tg:-1", "dc:9/8"]},
        {"name": "b", "communities": ["tg:-1", "sl:T1/C2"]},
    )
    assert "tg:-1 is already in space 'a'" in message
    ((_key, message),) = refused(
        {"name": "a", "communities": ["tg:-1", "dc:9/8"]},
        {"name": "a", "communities": ["tg:-2", "sl:T1/C2"]},
    )
    assert "space names must be unique; repeated: a" in message


def test_a_space_has_two_communities_at_least() -> None:
    ((key, _message),) = refused({"name": "a", "communities": ["tg:-1"]})
    assert key.startswith("spaces[0]")
