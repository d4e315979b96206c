"""The onboarding settings of a community, read from its JSON settings with defaults.

Each setting is its own key, written only when a manager changes it, so ``/settings``
lists exactly what differs from the defaults (``welcome_dm: only``, ``verify: tracked``).
``verify`` is ``on`` where the platform can restrict members and ``tracked`` where it
cannot (Slack): there the gate only records who accepted, and ``/settings`` says so.
``verify_role`` (Discord, ``/verify role``) gates with a role instead of a timeout.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from townsquare.core.refs import ChannelRef

WELCOME = "welcome"
TEMPLATE = "welcome_template"
DM = "welcome_dm"
CLEAN = "welcome_clean"
GOODBYE = "welcome_goodbye"
BOTS = "welcome_bots"
CHANNEL = "welcome_channel"
RULES = "rules"
VERIFY = "verify"
VERIFY_TIMEOUT = "verify_timeout"
VERIFY_THEN = "verify_then"
VERIFY_ROLE = "verify_role"
LOCALE = "locale"

DEFAULT_TIMEOUT = 600
"""Seconds a gated newcomer has to accept the rules (Shieldy and Rose use minutes too)."""


class DirectMode(StrEnum):
    OFF = "off"
    ALSO = "also"
    """In the channel and privately."""
    ONLY = "only"
    """Privately instead; the channel gets it when the platform refuses the message."""


class Gate(StrEnum):
    OFF = "off"
    ON = "on"
    TRACKED = "tracked"
    """On, but the platform cannot restrict: acceptance is recorded, nobody is muted."""


class Then(StrEnum):
    REMOVE = "remove"
    STAY = "stay"


@dataclass(frozen=True, slots=True)
class OnboardingSettings:
    welcome: bool = True
    template: str | None = None
    dm: DirectMode = DirectMode.OFF
    clean: bool = False
    goodbye: bool = False
    bots: bool = False
    channel: ChannelRef | None = None
    rules: str | None = None
    gate: Gate = Gate.OFF
    timeout: int = DEFAULT_TIMEOUT
    """Seconds; 0 means newcomers wait for acceptance without a deadline."""
    then: Then = Then.REMOVE
    role: str | None = None
    """Gate by giving this role (Discord) instead of a mute; taken away on acceptance."""

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> OnboardingSettings:
        def flag(key: str, default: bool) -> bool:
            value = stored.get(key, default)
            return value if isinstance(value, bool) else default

        def choice(key: str, kind: type[StrEnum], default: Any) -> Any:
            value = stored.get(key)
            try:
                return kind(value) if isinstance(value, str) else default
            except ValueError:
                return default

        channel_value = stored.get(CHANNEL)
        channel = None
        if isinstance(channel_value, dict) and channel_value.get("id"):
            thread = channel_value.get("thread")
            channel = ChannelRef(str(channel_value["id"]), thread_id=thread and str(thread))
        template = stored.get(TEMPLATE)
        rules = stored.get(RULES)
        timeout = stored.get(VERIFY_TIMEOUT, DEFAULT_TIMEOUT)
        role = stored.get(VERIFY_ROLE)
        return cls(
            welcome=flag(WELCOME, True),
            template=template if isinstance(template, str) and template else None,
            dm=choice(DM, DirectMode, DirectMode.OFF),
            clean=flag(CLEAN, False),
            goodbye=flag(GOODBYE, False),
            bots=flag(BOTS, False),
            channel=channel,
            rules=rules if isinstance(rules, str) and rules.strip() else None,
            gate=choice(VERIFY, Gate, Gate.OFF),
            timeout=timeout if isinstance(timeout, int) and timeout >= 0 else DEFAULT_TIMEOUT,
            then=choice(VERIFY_THEN, Then, Then.REMOVE),
            role=role if isinstance(role, str) and role else None,
        )


def channel_value(channel: ChannelRef) -> dict[str, Any]:
    return {"id": channel.id, "thread": channel.thread_id}
