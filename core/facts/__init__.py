"""Facts: what features tell each other (see :mod:`core.facts.fact`).

A feature publishes a fact with ``ctx.publish(fact)``; features subscribe with
``@on(FactType)``. The built-in features' facts live here, beside the base, so a
consumer (rewards, analytics) imports them from the framework, never from the feature
that publishes them.
"""

from townsquare.core.facts.escalation import (
    CaseClaimed,
    CaseOpened,
    CaseResolved,
    MemberMuted,
    WarningGiven,
)
from townsquare.core.facts.fact import FACT_TYPES, Fact, FactError, decode, encode
from townsquare.core.facts.faq import FaqAnswered, FaqRated, FaqUnanswered
from townsquare.core.facts.onboarding import MemberGreeted, MemberVerified
from townsquare.core.facts.polls import PollClosed, VoteCast

__all__ = [
    "FACT_TYPES",
    "CaseClaimed",
    "CaseOpened",
    "CaseResolved",
    "Fact",
    "FactError",
    "FaqAnswered",
    "FaqRated",
    "FaqUnanswered",
    "MemberGreeted",
    "MemberMuted",
    "MemberVerified",
    "PollClosed",
    "VoteCast",
    "WarningGiven",
    "decode",
    "encode",
]
