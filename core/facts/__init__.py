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
from townsquare.core.facts.events import EventAttended
from townsquare.core.facts.fact import FACT_TYPES, Fact, FactError, decode, encode
from townsquare.core.facts.faq import FaqAnswered, FaqRated, FaqUnanswered
from townsquare.core.facts.feedback import FeedbackFiled, FeedbackStatusChanged, FeedbackVoted
from townsquare.core.facts.giveaways import GiveawayDrawn, GiveawayEntered
from townsquare.core.facts.onboarding import MemberGreeted, MemberVerified
from townsquare.core.facts.people import PersonsLinked
from townsquare.core.facts.polls import PollClosed, VoteCast
from townsquare.core.facts.rewards import (
    LevelChanged,
    MemberLevelledDown,
    MemberLevelledUp,
    ReputationGiven,
)
from townsquare.core.facts.tickets import TicketAnswered, TicketClosed, TicketOpened

__all__ = [
    "FACT_TYPES",
    "CaseClaimed",
    "CaseOpened",
    "CaseResolved",
    "EventAttended",
    "Fact",
    "FactError",
    "FaqAnswered",
    "FaqRated",
    "FaqUnanswered",
    "FeedbackFiled",
    "FeedbackStatusChanged",
    "FeedbackVoted",
    "GiveawayDrawn",
    "GiveawayEntered",
    "LevelChanged",
    "MemberGreeted",
    "MemberLevelledDown",
    "MemberLevelledUp",
    "MemberMuted",
    "MemberVerified",
    "PersonsLinked",
    "PollClosed",
    "ReputationGiven",
    "TicketAnswered",
    "TicketClosed",
    "TicketOpened",
    "VoteCast",
    "WarningGiven",
    "decode",
    "encode",
]
