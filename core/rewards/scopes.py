"""Which wallet an event's XP goes to: one per person per scope, the scope being the space
the community is in (one leaderboard across its platforms) or else the community."""

from __future__ import annotations

from townsquare.core.persons import account_platform
from townsquare.core.refs import CommunityRef
from townsquare.core.spaces import Space


def scope_of(space: Space | None, community: CommunityRef) -> str:
    """``space:<name>``, or ``<platform>:<community id>`` outside any space."""
    if space is not None:
        return f"space:{space.name}"
    return f"{account_platform(community.platform)}:{community.id}"


def community_key(community: CommunityRef) -> str:
    """How a wallet names the community whose role rewards it has synced."""
    return f"{account_platform(community.platform)}:{community.id}"
