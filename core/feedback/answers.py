"""How the feedback feature answers a caller: privately (an ephemeral answer, else a
direct message), the outcome of a status change, and the text of an idea as typed."""

from __future__ import annotations

from townsquare.core.actions import ButtonRows, SendDirect, SendEphemeral
from townsquare.core.capabilities import Capability
from townsquare.core.features import Context
from townsquare.core.feedback import render
from townsquare.core.feedback.rules import account_key, person_key
from townsquare.core.feedback.status import Changed, Unchanged
from townsquare.core.feedback.store import Account, Idea
from townsquare.core.i18n import Translator, _
from townsquare.core.persons import PersonDirectory
from townsquare.core.text import TextLike, as_text, lines


def privately(
    ctx: Context, text: TextLike, buttons: ButtonRows = (), *, key: str | None = None
) -> None:
    """Answer only the caller: an ephemeral answer to a slash command when there are no
    buttons, else a direct message (with a note in the chat naming nobody where the
    platform refuses it)."""
    event, tr = ctx.event, ctx.tr
    actor, channel = event.actor, event.channel
    if actor is None or channel is None:
        return
    if channel.is_direct:
        ctx.reply(text, buttons, key=key)
        return
    if ctx.interaction_id is not None and ctx.can(Capability.EPHEMERAL):
        if not buttons:
            ctx.emit(
                SendEphemeral(
                    bot=ctx.bot.name,
                    channel=channel,
                    user_id=actor.user_id,
                    display_name=actor.display_name,
                    text=as_text(text),
                    interaction_id=ctx.interaction_id,
                )
            )
            return
        ctx.emit(
            SendEphemeral(
                bot=ctx.bot.name,
                channel=channel,
                user_id=actor.user_id,
                display_name=actor.display_name,
                text=as_text(lines(text, tr(_("(The buttons are in my private message to you.)")))),
                interaction_id=ctx.interaction_id,
            )
        )
    if not ctx.can(Capability.DIRECT_MESSAGES):
        ctx.respond(text)
        return
    ctx.emit(
        SendDirect(
            bot=ctx.bot.name,
            user_id=actor.user_id,
            display_name=actor.display_name,
            text=as_text(text),
            buttons=buttons,
            key=key,
            fallback_channel=channel,
            fallback_text=as_text(
                tr(
                    _(
                        "I could not answer someone here privately. To get my answers, "
                        "open a private chat with me (press Start there), then try again."
                    )
                )
            ),
        )
    )


def outcome_text(outcome: Changed | Unchanged, found: Idea, tr: Translator) -> str:
    if isinstance(outcome, Unchanged):
        if outcome.reason == "same":
            return tr(
                _("Idea #{id} is {status} already."),
                id=found.id,
                status=render.status_name(found.status, tr),
            )
        return tr(
            _("Idea #{id} was changed meanwhile; look again with /feedback {id}."), id=found.id
        )
    idea = outcome.idea
    return tr.plural(
        _("Idea #{id} is now {status}; {n} backer will be told privately."),
        _("Idea #{id} is now {status}; {n} backers will be told privately."),
        outcome.told,
        id=idea.id,
        status=render.status_name(idea.status, tr),
    )


def unquoted(raw: object) -> str:
    text = " ".join(str(raw or "").split()) if not isinstance(raw, tuple) else " ".join(raw)
    for opening, closing in (('"', '"'), ("“", "”"), ("«", "»"), ("„", "“"), ("'", "'")):
        if len(text) >= 2 and text.startswith(opening) and text.endswith(closing):
            return text[1:-1].strip()
    return text


async def account_of(
    ctx: Context, persons: PersonDirectory | None, community: str | None = None
) -> tuple[Account, frozenset[str]]:
    """The caller as a backer (told in the language of ``community``, default the
    event's), and the other keys of the same person."""
    event = ctx.event
    actor = event.actor
    assert actor is not None
    if community is None and event.community is not None:
        community = event.community.id
    if persons is None:
        key, aliases = account_key(event.platform, actor.user_id), frozenset[str]()
    else:
        person = await persons.person_of(ctx.tx, event.platform, actor.user_id)
        others = await persons.aliases(ctx.tx, person)
        key, aliases = person_key(person), frozenset(person_key(p) for p in others)
    account = Account(
        key, event.platform, ctx.bot.name, actor.user_id, actor.display_name, community
    )
    return account, aliases
