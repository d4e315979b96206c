"""The onboarding settings of a community: a typed model (:mod:`core.settings`).

Each setting keeps the key it was stored under before settings were typed, and is
written only when a manager changes it, so ``/settings``
lists exactly what differs from the defaults (``welcome_dm: only``, ``verify: tracked``).
``verify`` is ``on`` where the platform can restrict members and ``tracked`` where it
cannot (Slack): there the gate only records who accepted, and ``/settings`` says so.
``verify_role`` (Discord, ``/verify role``) gates with a role instead of a timeout.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from townsquare.core.refs import ChannelRef
from townsquare.core.settings import FeatureSettings, setting

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


def _channel(stored: Any) -> ChannelRef | None:
    if isinstance(stored, dict) and stored.get("id"):
        thread = stored.get("thread")
        return ChannelRef(str(stored["id"]), thread_id=thread and str(thread))
    return None


def channel_value(channel: ChannelRef | None) -> dict[str, Any] | None:
    return None if channel is None else {"id": channel.id, "thread": channel.thread_id}


def _text(value: str | None) -> bool:
    return bool(value and value.strip())


@dataclass(frozen=True, slots=True)
class OnboardingSettings(FeatureSettings):
    namespace: ClassVar[str] = "onboarding"
    welcome: bool = setting(True, key=WELCOME)
    template: str | None = setting(None, key=TEMPLATE, valid=bool)
    dm: DirectMode = setting(DirectMode.OFF, key=DM)
    clean: bool = setting(False, key=CLEAN)
    goodbye: bool = setting(False, key=GOODBYE)
    bots: bool = setting(False, key=BOTS)
    channel: ChannelRef | None = setting(None, key=CHANNEL, load=_channel, dump=channel_value)
    rules: str | None = setting(None, key=RULES, valid=_text, space=True)
    gate: Gate = setting(Gate.OFF, key=VERIFY)
    timeout: int = setting(DEFAULT_TIMEOUT, key=VERIFY_TIMEOUT, valid=lambda n: n >= 0)
    """Seconds; 0 means newcomers wait for acceptance without a deadline."""
    then: Then = setting(Then.REMOVE, key=VERIFY_THEN)
    role: str | None = setting(None, key=VERIFY_ROLE, valid=bool)
    """Gate by giving this role (Discord) instead of a mute; taken away on acceptance."""
