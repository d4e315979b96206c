"""Spaces: communities on several platforms that are one community.

An operator groups communities into a space in the config (``[[spaces]]``); a manager's
``/poll --space`` then posts one poll to every community of the space, with one tally
that counts each person once (:mod:`core.persons`), whichever platform they vote on. The
space's FAQ, rules and managers' inbox are its first community's
(:meth:`Spaces.shared`; settings declared ``setting(..., space=True)``).

A community belongs to at most one space. Each member community may name the channel that
gets the space's posts; without one, a Telegram group gets them itself and a Discord guild
in its welcome (system) channel, while a Slack workspace must name one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from townsquare.core.persons import account_platform
from townsquare.core.refs import CommunityRef


@dataclass(frozen=True, slots=True)
class Place:
    """One community of a space, as the bot that serves it sees it."""

    bot: str
    community_id: str
    channel_id: str
    """Where the space's posts go in this community."""


@dataclass(frozen=True, slots=True)
class Space:
    name: str
    places: tuple[Place, ...]


class Spaces:
    """Which space a community belongs to."""

    def __init__(self, spaces: Iterable[Space] = ()) -> None:
        self.spaces = tuple(spaces)
        self._by_place = {
            (place.bot, place.community_id): space
            for space in self.spaces
            for place in space.places
        }

    def of(self, bot: str, community_id: str | None) -> Space | None:
        """The space of the community ``community_id`` that ``bot`` serves, if any."""
        if community_id is None:
            return None
        return self._by_place.get((bot, community_id))

    def shared(self, community: CommunityRef, platform_of: Mapping[str, str]) -> CommunityRef:
        """The community whose shared things (FAQ, rules, managers' inbox) ``community``
        uses: the first community of its space, or itself outside any space.
        ``platform_of``: each running bot's platform."""
        for space in self.spaces:
            for place in space.places:
                platform = platform_of.get(place.bot)
                if (
                    platform is not None
                    and place.community_id == community.id
                    and account_platform(platform) == account_platform(community.platform)
                ):
                    first = space.places[0]
                    first_platform = platform_of.get(first.bot)
                    if first_platform is None:
                        return community
                    return CommunityRef(account_platform(first_platform), first.community_id)
        return community


def parse_place(text: str, platform_of: Mapping[str, str]) -> Place:
    """``bot:community[/channel]`` as the config writes a space's community; ValueError
    with the fix when it cannot be used. ``platform_of`` maps bot names to platforms."""
    bot, colon, rest = text.partition(":")
    if not colon or not bot or not rest:
        raise ValueError(f"{text!r}: write a community as bot:community or bot:community/channel")
    if bot not in platform_of:
        known = ", ".join(sorted(platform_of))
        raise ValueError(f"{text!r}: no bot {bot!r} among [[bots]] ({known})")
    community_id, _slash, channel_id = rest.partition("/")
    if not community_id or "/" in channel_id:
        raise ValueError(f"{text!r}: write a community as bot:community or bot:community/channel")
    if not channel_id:
        if platform_of[bot] == "slack":
            raise ValueError(
                f"{text!r}: name the channel that gets the space's posts "
                f"({bot}:{community_id}/CHANNEL_ID)"
            )
        # A Telegram group is its own chat; a message to a Discord guild itself goes to
        # its welcome (system) channel.
        channel_id = community_id
    return Place(bot=bot, community_id=community_id, channel_id=channel_id)
