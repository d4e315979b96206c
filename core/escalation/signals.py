"""Conflict signals: what a detector says about a message, and the detector interface.

Detectors are plain objects the feature consults for every message and reaction it sees.
They may keep a little in-memory state (a sliding window of recent replies, flags per
message) but never touch storage or a platform: the feature turns a :class:`Signal` into a
case. Adding a detector is passing another object to ``Escalation(detectors=[...])``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Protocol

from townsquare.core.refs import Actor, MessageRef


class Severity(IntEnum):
    """How urgent a case is; a case's severity only ever grows."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3


@dataclass(frozen=True, slots=True)
class ObservedMessage:
    """A message as detectors see it (``community`` is ``platform:id``)."""

    community: str
    message: MessageRef
    author: Actor
    text: str
    at: datetime
    reply_to_author: Actor | None = None


@dataclass(frozen=True, slots=True)
class ObservedReaction:
    community: str
    message: MessageRef
    reactor: Actor
    emoji: str
    at: datetime
    message_author: Actor | None = None


@dataclass(frozen=True, slots=True)
class Signal:
    """A detector's finding about one message, shown to managers on the case.

    ``kind`` names the finding (``threat``, ``insult``, ``heat``, ``shouting``, ``flags``);
    ``evidence`` is an English template marked with ``_`` and filled with ``values`` after
    translation into the community's language.
    """

    detector: str
    kind: str
    severity: Severity
    evidence: str
    message: MessageRef
    offender: Actor | None = None
    values: Mapping[str, str] = field(default_factory=dict)


class Detector(Protocol):
    name: str

    def on_message(self, message: ObservedMessage) -> Sequence[Signal]: ...

    def on_reaction(self, reaction: ObservedReaction) -> Sequence[Signal]: ...
