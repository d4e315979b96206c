"""What a failed delivery carries: the notice an action brought for when the platform
refuses it (``on_failure``) or its retries run out (``on_give_up``), as the delivery worker
stores it with the failure (see :mod:`core.refusals` for how features attach them)."""

from __future__ import annotations

from dataclasses import replace

from townsquare.core.actions import (
    Action,
    CreateScheduledEvent,
    GiveRole,
    PinMessage,
    RemoveMember,
    RestrictMember,
    SendDirect,
    SendMessage,
    TakeRole,
    UnrestrictMember,
)
from townsquare.core.sending import describe
from townsquare.core.text import code, lines


def refusal_notice(action: Action, error: BaseException) -> tuple[Action, ...]:
    """What a refused action carries: a mute's, unmute's, removal's or role's notice for
    managers (:mod:`core.refusals`), a message's or a pin's for the manager who caused it."""
    match action:
        case (
            RestrictMember()
            | UnrestrictMember()
            | RemoveMember()
            | GiveRole()
            | TakeRole()
            | SendMessage()
            | PinMessage()
            | CreateScheduledEvent()
        ):
            return _notice(action.on_failure, error)
        case _:
            return ()


def give_up_notice(action: Action, error: BaseException) -> tuple[Action, ...]:
    """What an action carries for when its retries run out, like :func:`refusal_notice`."""
    match action:
        case (
            RestrictMember()
            | UnrestrictMember()
            | RemoveMember()
            | GiveRole()
            | TakeRole()
            | SendMessage()
            | PinMessage()
        ):
            return _notice(action.on_give_up, error)
        case _:
            return ()


MAX_REASON = 300
"""Characters of the platform's reason a manager's notice quotes."""


def _notice(notice: SendMessage | SendDirect | None, error: BaseException) -> tuple[Action, ...]:
    """``notice`` as sent: a manager's private notice ends with the platform's reason (as
    code, so nothing in it is markup); a notice never brings a notice of its own, so a
    refused notice is only logged (no loops)."""
    if notice is None:
        return ()
    if isinstance(notice, SendMessage):
        return (replace(notice, on_failure=None, on_give_up=None),)
    reason = describe(error)
    if len(reason) > MAX_REASON:
        reason = reason[: MAX_REASON - 1] + "…"
    return (replace(notice, text=lines(notice.text, code(reason))),)
