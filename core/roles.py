"""Who may do what: member < manager < owner."""

from __future__ import annotations

from collections.abc import Collection
from enum import IntEnum

from townsquare.core.refs import Actor, PlatformRole


class Role(IntEnum):
    MEMBER = 0
    MANAGER = 1
    OWNER = 2


def resolve_role(platform: str, actor: Actor | None, managers: Collection[str] = ()) -> Role:
    """Combine what the platform reports with the ``[defaults] managers`` identities.

    ``managers`` holds ``platform:user_id`` strings; the ``telegram-ptb`` backend shares
    identities with ``telegram`` because the users are the same people.
    """
    if actor is None:
        return Role.MEMBER
    if actor.platform_role is PlatformRole.OWNER:
        return Role.OWNER
    if actor.platform_role is PlatformRole.ADMIN:
        return Role.MANAGER
    family = platform.split("-", 1)[0]
    if f"{platform}:{actor.user_id}" in managers or f"{family}:{actor.user_id}" in managers:
        return Role.MANAGER
    return Role.MEMBER
