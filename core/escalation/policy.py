"""The rules an escalation follows, with defaults a community may override.

Operators set community-wide defaults by constructing ``Escalation(policy=...)`` in the
composition root; managers override them per community with ``/escalation set``, stored
as the ``escalation`` community setting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, ClassVar, Literal

from townsquare.core.escalation.durations import format_duration, parse_duration
from townsquare.core.i18n import _
from townsquare.core.settings import FeatureSettings, setting

SETTING = "escalation"


@dataclass(frozen=True, slots=True)
class EscalationSettings(FeatureSettings):
    """A community's ``/escalation set`` overrides of the operator's policy, stored as one
    ``{key: value}`` value under :data:`SETTING`, as before settings were typed."""

    namespace: ClassVar[str] = "escalation"
    rules: dict[str, Any] | None = setting(None, key=SETTING)


ThresholdAction = Literal["mute", "remove"]


class PolicyError(ValueError):
    """A rule value that does not parse; ``template`` (marked for translation) and
    ``values`` let the feature say why in the community's language."""

    def __init__(self, template: str, **values: str) -> None:
        super().__init__(template.format(**values))
        self.template = template
        self.values = values


@dataclass(frozen=True, slots=True)
class Threshold:
    """When a member has ``warnings`` active warnings, do ``action`` (a mute lasts
    ``duration``; None means until lifted)."""

    warnings: int
    action: ThresholdAction = "mute"
    duration: timedelta | None = timedelta(hours=1)

    def describe(self) -> str:
        length = f" {format_duration(self.duration)}" if self.duration else ""
        return f"{self.warnings} {self.action}{length}"


@dataclass(frozen=True, slots=True)
class EscalationPolicy:
    report_limit: int = 5
    """Reports one member may file per ``report_window`` in one community."""
    report_window: timedelta = timedelta(minutes=10)
    reannounce_after: timedelta = timedelta(minutes=30)
    """An unclaimed case is announced once more after this long."""
    warning_ttl: timedelta = timedelta(days=30)
    """Warnings stop counting after this long."""
    thresholds: tuple[Threshold, ...] = (Threshold(3, "mute", timedelta(hours=1)),)
    mute_duration: timedelta = timedelta(hours=1)
    """Length of a mute from a case's Mute button."""
    link_code_ttl: timedelta = timedelta(minutes=10)
    snapshot_chars: int = 300
    """How much of a reported message the case keeps."""

    def with_overrides(self, stored: Mapping[str, Any] | None) -> EscalationPolicy:
        """This policy with a community's ``/escalation set`` values applied; values that
        no longer parse are ignored (the defaults apply)."""
        policy = self
        for key, value in (stored or {}).items():
            try:
                policy = policy.updated(key, str(value))
            except ValueError:
                continue
        return policy

    def updated(self, key: str, value: str) -> EscalationPolicy:
        """Raise PolicyError naming what is wrong with ``value`` for ``key``."""
        if key in _DURATIONS:
            duration = parse_duration(value)
            if duration is None:
                raise PolicyError(
                    _("{value} is not a duration like 30m, 2h or 7d"), value=repr(value)
                )
            changes: dict[str, Any] = {_DURATIONS[key]: duration}
            return replace(self, **changes)
        if key == "report_limit":
            if not _small_number(value) or not 1 <= int(value) <= 100:
                raise PolicyError(_("report_limit is a number from 1 to 100"))
            return replace(self, report_limit=int(value))
        if key == "thresholds":
            return replace(self, thresholds=parse_thresholds(value))
        raise PolicyError(
            _("unknown key {key}; use one of {keys}"), key=repr(key), keys=", ".join(POLICY_KEYS)
        )

    def describe(self) -> dict[str, str]:
        return {
            "report_limit": str(self.report_limit),
            "report_window": format_duration(self.report_window),
            "reannounce": format_duration(self.reannounce_after),
            "warning_expiry": format_duration(self.warning_ttl),
            "mute": format_duration(self.mute_duration),
            "thresholds": ", ".join(t.describe() for t in self.thresholds) or "off",
        }


_DURATIONS = {
    "report_window": "report_window",
    "reannounce": "reannounce_after",
    "warning_expiry": "warning_ttl",
    "mute": "mute_duration",
}
POLICY_KEYS = (
    "report_limit",
    "report_window",
    "reannounce",
    "warning_expiry",
    "mute",
    "thresholds",
)


def parse_thresholds(text: str) -> tuple[Threshold, ...]:
    """``"3 mute 1h, 5 remove"``; ``"off"`` disables automatic actions."""
    if text.strip().lower() in ("off", "none", ""):
        return ()
    result: list[Threshold] = []
    for part in text.split(","):
        words = part.split()
        if len(words) not in (2, 3) or not _small_number(words[0]) or int(words[0]) < 1:
            raise PolicyError(
                _("{part}: write COUNT mute|remove [DURATION]"), part=repr(part.strip())
            )
        action = words[1].lower()
        if action not in ("mute", "remove"):
            raise PolicyError(_("{word}: the action is mute or remove"), word=repr(words[1]))
        duration = None
        if len(words) == 3:
            duration = parse_duration(words[2])
            if duration is None:
                raise PolicyError(
                    _("{value} is not a duration like 30m, 2h or 7d"), value=repr(words[2])
                )
        elif action == "mute":
            duration = timedelta(hours=1)
        result.append(Threshold(int(words[0]), action, duration))  # type: ignore[arg-type]
    counts = [threshold.warnings for threshold in result]
    if len(set(counts)) != len(counts):
        raise PolicyError(_("each warning count may have one action"))
    return tuple(sorted(result, key=lambda threshold: threshold.warnings))


def threshold_reached(active: int, thresholds: Sequence[Threshold]) -> Threshold | None:
    """The automatic action a member's ``active``-th active warning triggers.

    A threshold fires when the count reaches it exactly; past the highest threshold, every
    further warning repeats the highest action (a member who keeps going keeps getting
    muted). Below the lowest, nothing happens.
    """
    ordered = sorted(thresholds, key=lambda threshold: threshold.warnings)
    for threshold in ordered:
        if threshold.warnings == active:
            return threshold
    if ordered and active > ordered[-1].warnings:
        return ordered[-1]
    return None


def _small_number(text: str) -> bool:
    """ASCII digits, few enough for ``int`` (``"²".isdigit()`` is True, ``int("²")`` fails;
    so does ``int`` on thousands of digits)."""
    return text.isascii() and text.isdigit() and len(text) <= 6
