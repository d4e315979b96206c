"""The tickets feature's commands, its one kind of id, its card buttons and settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import ClassVar

from townsquare.core.buttons import Payload
from townsquare.core.commands import CommandSpec, Option, Param
from townsquare.core.i18n import _
from townsquare.core.roles import Role
from townsquare.core.scope import IdRef
from townsquare.core.settings import FeatureSettings, setting

TICKET_ID = IdRef("ticket", _("There is no ticket #{id}."))
"""A ticket named by id: found from its community, the other communities of its space,
and its managers' inbox (:meth:`Tickets.reaches`); from anywhere else it is unknown."""

AUTOCLOSE_JOB = "tickets.autoclose"
DEFAULT_AUTOCLOSE_HOURS = 72
MAX_AUTOCLOSE_HOURS = 24 * 90


class TicketAction(StrEnum):
    """What a manager does to a ticket: ``/ticket <id> <action>`` and the card's buttons."""

    REPLY = "reply"
    CLAIM = "claim"
    CLOSE = "close"

    @classmethod
    def parse(cls, word: str) -> TicketAction | None:
        try:
            return cls(word.lower())
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class TicketButton(Payload):
    """A card's button: ``ticket:<id>:claim`` or ``ticket:<id>:close``."""

    prefix: ClassVar[str] = "ticket"
    ticket_id: int
    action: TicketAction


def _hours(value: object) -> bool:
    return isinstance(value, int) and 0 <= value <= MAX_AUTOCLOSE_HOURS


@dataclass(frozen=True, slots=True)
class TicketSettings(FeatureSettings):
    """``autoclose_hours``: a ticket nobody wrote in for this long is closed, and the
    member told (0: never). A space shares it, like its inbox."""

    namespace: ClassVar[str] = "tickets"
    autoclose_hours: int = setting(DEFAULT_AUTOCLOSE_HOURS, valid=_hours, space=True)

    @property
    def autoclose_after(self) -> timedelta | None:
        return timedelta(hours=self.autoclose_hours) if self.autoclose_hours else None


TICKET_SPEC = CommandSpec(
    "ticket",
    _("Write privately to the managers; managers: /ticket <id> reply|claim|close"),
    params=(Param("text", _("your message, or <id> reply <text>"), required=False, rest=True),),
    options=(Option("named", _("sign an answer with your own name, not as the team")),),
)
TICKETS_SPEC = CommandSpec(
    "tickets",
    _("List open tickets (add 'all' for closed ones too)"),
    role=Role.MANAGER,
    params=(Param("which", required=False),),
    subcommands=(
        CommandSpec(
            "autoclose",
            _("Close tickets after this many quiet hours (0: never)"),
            role=Role.MANAGER,
            params=(Param("hours"),),
            needs_community=True,
        ),
    ),
)
