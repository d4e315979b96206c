"""Moderation the platform refuses, or keeps failing, is never silent.

A platform may have the capability to mute or remove (so :mod:`core.degrade` lets the
action through) and still refuse one request at delivery: the bot is not an administrator
or lacks "Ban users" (Telegram) / "Timeout Members" or "Manage Roles" (Discord), the
member's role is above the bot's, the member owns the chat. Adapters report that as a
:class:`~core.errors.PermanentDeliveryError`, and retrying cannot help.

So a feature that emits :class:`~core.actions.RestrictMember`,
:class:`~core.actions.UnrestrictMember` or :class:`~core.actions.RemoveMember` attaches
``on_failure``: a complete :class:`~core.actions.SendMessage` that says what could not be
done to whom and what to fix. Why a whole message built at emit time, and not only a text
the worker would address:

* the sentence is translated when the action is emitted, where the community's language
  is known (the delivery worker has no transaction and no settings);
* the managers' inbox (:func:`core.inbox.managers_inbox`) is known only to features, and
  may be a channel of another bot on another platform (a Telegram group's cases in Slack),
  so the notice needs its own bot as well as its own channel.

The delivery worker stores that message in the outbox in the same transaction that marks
the refused action failed, so the notice goes out once, through the ordinary rate limits
and retries, even if the process dies in between (the action is then tried again and
refused again). Transient errors keep their backoff and send no notice while they are
retried; when the worker gives up on them (``max_attempts``), ``on_give_up`` goes out the
same way, with a different sentence, since no permission is missing. The member is named
with a plain span (their display name), never a mention or markup: the notice is for
managers, and the name is user-supplied.

A message a manager caused (a poll, an FAQ answer, an announcement) is theirs to fix when
the platform will not show it: :func:`with_manager_notice` attaches private notices for
that manager (``SendMessage.on_failure`` / ``on_give_up``, built where the message is, in
the community's language). The worker sends them only when the message is refused or its
retries run out, adds the platform's reason, and a notice never carries a notice of its
own, so a refused notice is only logged.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TypeVar

from townsquare.core.actions import (
    GiveRole,
    RemoveMember,
    RestrictMember,
    SendDirect,
    SendMessage,
    TakeRole,
    UnrestrictMember,
)
from townsquare.core.capabilities import Capability
from townsquare.core.features import Context, community_translator
from townsquare.core.i18n import Translator, _
from townsquare.core.inbox import Inbox, managers_inbox
from townsquare.core.text import TextLike, as_text, compose, plain

MemberAction = RestrictMember | UnrestrictMember | RemoveMember | GiveRole | TakeRole
Moderation = TypeVar("Moderation", bound=MemberAction)

REFUSED_MUTE = _(
    "I could not mute {member}: the platform refused. Give me the permission to restrict "
    "members, with a role above theirs (owners and administrators cannot be muted), or "
    "mute them by hand."
)
REFUSED_UNMUTE = _(
    "I could not unmute {member}: the platform refused. Give me the permission to restrict "
    "members, with a role above theirs, or lift the mute by hand."
)
REFUSED_REMOVE = _(
    "I could not remove {member}: the platform refused. Give me the permission to ban "
    "members, with a role above theirs (owners and administrators cannot be removed), or "
    "remove them by hand."
)
GAVE_UP_MUTE = _(
    "I could not mute {member}: the platform kept failing, so I stopped trying. Mute them "
    "by hand, or try again later."
)
GAVE_UP_UNMUTE = _(
    "I could not unmute {member}: the platform kept failing, so I stopped trying. Lift the "
    "mute by hand, or try again later."
)
GAVE_UP_REMOVE = _(
    "I could not remove {member}: the platform kept failing, so I stopped trying. Remove "
    "them by hand, or try again later."
)
REFUSED_GIVE_ROLE = _(
    "I could not give {member} the role {role}: the platform does not allow it here. On "
    "Discord give me Manage Roles with my role above that one; on Slack user groups need "
    "a paid plan and the usergroups:write scope; Telegram has no member roles. Or give "
    "it by hand."
)
REFUSED_TAKE_ROLE = _(
    "I could not take the role {role} from {member}: the platform does not allow it here. "
    "On Discord give me Manage Roles with my role above that one; on Slack user groups "
    "need a paid plan and the usergroups:write scope. Or take it away by hand."
)
GAVE_UP_GIVE_ROLE = _(
    "I could not give {member} the role {role}: the platform kept failing, so I stopped "
    "trying. Give it by hand, or try again later."
)
GAVE_UP_TAKE_ROLE = _(
    "I could not take the role {role} from {member}: the platform kept failing, so I "
    "stopped trying. Take it away by hand, or try again later."
)
"""Whole sentences, not one with the verb filled in: word order differs by language."""

_REFUSED: dict[type, str] = {
    RestrictMember: REFUSED_MUTE,
    UnrestrictMember: REFUSED_UNMUTE,
    RemoveMember: REFUSED_REMOVE,
    GiveRole: REFUSED_GIVE_ROLE,
    TakeRole: REFUSED_TAKE_ROLE,
}
_GAVE_UP: dict[type, str] = {
    RestrictMember: GAVE_UP_MUTE,
    UnrestrictMember: GAVE_UP_UNMUTE,
    RemoveMember: GAVE_UP_REMOVE,
    GiveRole: GAVE_UP_GIVE_ROLE,
    TakeRole: GAVE_UP_TAKE_ROLE,
}


def _notice(
    sentence: str,
    action: MemberAction,
    member: str,
    tr: Translator,
    inbox: Inbox | None,
    role: str = "",
) -> SendMessage | None:
    own = None if isinstance(action, GiveRole | TakeRole) else action.channel
    if inbox is not None:
        bot, channel = inbox.bot, inbox.channel
    elif own is not None:
        bot, channel = action.bot, own
    else:
        return None
    values = {"member": plain(member or action.user_id)}
    if isinstance(action, GiveRole | TakeRole):
        values["role"] = plain(role or action.role_id)
    return SendMessage(bot=bot, channel=channel, text=compose(tr(sentence), **values))


def refusal_notice(
    action: MemberAction,
    member: str,
    tr: Translator,
    inbox: Inbox | None = None,
    role: str = "",
) -> SendMessage | None:
    """The notice for managers if the platform refuses ``action`` on ``member`` (a display
    name; ``role`` names a role given or taken, its id by default): to ``inbox`` when there
    is one, else to the action's channel; None when there is neither (the refusal is then
    only logged; a role action has no channel of its own)."""
    return _notice(_REFUSED[type(action)], action, member, tr, inbox, role)


def give_up_notice(
    action: MemberAction,
    member: str,
    tr: Translator,
    inbox: Inbox | None = None,
    role: str = "",
) -> SendMessage | None:
    """The notice for managers if delivery of ``action`` gives up after its retries (the
    platform kept failing): addressed like :func:`refusal_notice`."""
    return _notice(_GAVE_UP[type(action)], action, member, tr, inbox, role)


def with_refusal_notice(
    action: Moderation, member: str, tr: Translator, inbox: Inbox | None = None, role: str = ""
) -> Moderation:
    """``action`` with its :func:`refusal_notice` attached as ``on_failure`` and its
    :func:`give_up_notice` as ``on_give_up``."""
    return replace(
        action,
        on_failure=refusal_notice(action, member, tr, inbox, role),
        on_give_up=give_up_notice(action, member, tr, inbox, role),
    )


async def refusable(ctx: Context, action: Moderation, member: str, role: str = "") -> Moderation:
    """``action`` with notices in its community's language for that community's managers'
    inbox (else the action's channel), sent if the platform refuses it or keeps failing.

    For :class:`~core.actions.GiveRole` / :class:`~core.actions.TakeRole`, ``role`` is the
    role's name as managers know it (its id by default). The refusal is also what
    :mod:`core.degrade` sends where the platform has no member roles at all (Telegram)."""
    tr = await community_translator(ctx.tx, action.community, ctx.default_locale)
    inbox = await managers_inbox(ctx, action.community)
    return with_refusal_notice(action, member, tr, inbox, role)


def with_manager_notice(
    action: SendMessage, ctx: Context, refused: TextLike, gave_up: TextLike
) -> SendMessage:
    """``action``, a message the manager behind ``ctx.event`` caused, carrying private
    notices for them: ``refused`` if the platform refuses it, ``gave_up`` if delivery
    gives up after its retries (whole sentences in their language, saying what could not
    be posted; the worker adds the platform's reason). The bot that heard them sends it;
    where it cannot reach them privately, the channel they wrote in gets it with a
    mention, as for any direct message. Without an actor, a channel or private messages
    on that bot, ``action`` is returned as it is."""
    event = ctx.event
    if event.actor is None or event.channel is None or not ctx.can(Capability.DIRECT_MESSAGES):
        return action

    def notice(text: TextLike) -> SendDirect:
        assert event.actor is not None
        return SendDirect(
            bot=ctx.bot.name,
            user_id=event.actor.user_id,
            display_name=event.actor.display_name,
            text=as_text(text),
            fallback_channel=event.channel,
        )

    return replace(action, on_failure=notice(refused), on_give_up=notice(gave_up))
