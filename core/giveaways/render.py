"""What a giveaway says: pure functions of the giveaway, its entries and its draws, shared
by every post of a giveaway (:mod:`core.giveaways.feature`).

Prizes and names are member text: they go in as spans (``bold``, ``mention``), never as
markup, and a winner is mentioned only in a post on their own platform (elsewhere their
name is shown); nobody else is ever mentioned.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import assert_never

from townsquare.core.actions import Button, ButtonRows, ButtonStyle
from townsquare.core.giveaways.rules import EnterButton, Refusal, days_left
from townsquare.core.giveaways.store import Entry, Giveaway
from townsquare.core.i18n import Translator, _
from townsquare.core.persons import account_platform
from townsquare.core.text import Text, TextLike, bold, code, compose, join, lines, mention


def requirements(found: Giveaway, tr: Translator) -> TextLike:
    wanted = found.requirements
    parts: list[str] = []
    if wanted.min_days:
        parts.append(
            tr.plural(
                _("in the community for {n} day"),
                _("in the community for {n} days"),
                wanted.min_days,
            )
        )
    if wanted.min_level:
        parts.append(tr(_("level {n} or higher"), n=wanted.min_level))
    if not parts:
        return tr(_("Open to every member."))
    return tr(_("Who may enter: {requirements}."), requirements=", ".join(parts))


def post(found: Giveaway, entries: int, tr: Translator) -> Text:
    """The giveaway's message while it is open (edited as entries come in)."""
    return lines(
        compose(
            "🎁 {head} {prize}",
            head=tr(_("Giveaway #{id}:"), id=found.id),
            prize=bold(found.prize),
        ),
        compose("{label} {when}", label=tr(_("Ends:")), when=tr.moment(found.ends_at)),
        tr.plural(_("{n} winner"), _("{n} winners"), found.winners),
        requirements(found, tr),
        tr.plural(_("{n} entry so far"), _("{n} entries so far"), entries),
        compose(
            "{label} {hash}",
            label=tr(_("SHA-256 of the secret seed (revealed with the result):")),
            hash=code(found.seed_hash),
        ),
    )


def buttons(found: Giveaway, tr: Translator) -> ButtonRows:
    enter = Button(
        tr(_("Enter 🎉")),
        EnterButton(found.id).pack(),
        ButtonStyle.PRIMARY,
        fallback=f"/giveaway enter {found.id}",
    )
    return ((enter,),)


def names(winners: Sequence[Entry], platform: str | None) -> Text:
    """The winners, mentioned if their account is on ``platform`` (where the post is),
    else named: a mention of another platform's account would reach nobody."""
    here = account_platform(platform) if platform is not None else None
    return join(
        (
            mention(winner.user_id, winner.display_name)
            if here is not None and account_platform(winner.platform) == here
            else bold(winner.display_name)
            for winner in winners
        ),
        ", ",
    )


def ended(found: Giveaway, entries: int, winners: Sequence[Entry], tr: Translator) -> Text:
    """The giveaway's message once drawn: no button, the winners by name, the seed."""
    result: TextLike
    if winners:
        result = compose("{label} {names}", label=tr(_("Winners:")), names=names(winners, None))
    else:
        result = tr(_("Nobody entered, so nobody won."))
    return lines(
        compose(
            "🎁 {head} {prize}",
            head=tr(_("Giveaway #{id} has ended:"), id=found.id),
            prize=bold(found.prize),
        ),
        tr.plural(_("{n} entry"), _("{n} entries"), entries),
        result,
        compose("{label} {seed}", label=tr(_("Seed:")), seed=code(found.seed)),
    )


def result(
    found: Giveaway,
    round_number: int,
    entries: int,
    winners: Sequence[Entry],
    platform: str,
    tr: Translator,
) -> Text:
    """The announcement in a post's channel: winners mentioned where they are members."""
    if not winners:
        head: TextLike = compose(
            "{head} {prize}",
            head=tr(_("Giveaway #{id} ended with no one to draw:"), id=found.id),
            prize=bold(found.prize),
        )
    elif round_number == 1:
        head = compose(
            "🎉 {head} {prize} — {names}",
            head=tr(_("Winners of giveaway #{id}:"), id=found.id),
            prize=bold(found.prize),
            names=names(winners, platform),
        )
    else:
        head = compose(
            "🎉 {head} {prize} — {names}",
            head=tr(
                _("New winners of giveaway #{id} (round {round}):"), id=found.id, round=round_number
            ),
            prize=bold(found.prize),
            names=names(winners, platform),
        )
    return lines(
        head,
        compose(
            "{entries} {label} {seed}",
            entries=tr.plural(_("{n} entry."), _("{n} entries."), entries),
            label=tr(_("Seed:")),
            seed=code(found.seed),
        ),
        tr(_("Anyone can check the draw: /giveaway verify {id}"), id=found.id),
    )


def told(found: Giveaway, tr: Translator) -> Text:
    """What a winner is told privately."""
    return compose(
        "🎉 {head} {prize}",
        head=tr(_("You won giveaway #{id}:"), id=found.id),
        prize=bold(found.prize),
    )


def refused(
    why: Refusal,
    found: Giveaway,
    joined_at: datetime | None,
    level: int,
    now: datetime,
    tr: Translator,
) -> str:
    """Why the member may not enter, in one line they can act on."""
    wanted = found.requirements
    match why:
        case Refusal.TOO_NEW:
            assert wanted.min_days is not None and joined_at is not None
            return tr.plural(
                _("This giveaway is for members of {days}+ days: come back in {n} day."),
                _("This giveaway is for members of {days}+ days: come back in {n} days."),
                days_left(wanted.min_days, joined_at, now),
                days=wanted.min_days,
            )
        case Refusal.JOIN_UNKNOWN:
            return tr(
                _(
                    "This giveaway is for members of {days}+ days, and I have not seen you "
                    "join, so I cannot tell how long you have been here."
                ),
                days=wanted.min_days,
            )
        case Refusal.LEVEL_LOW:
            return tr(
                _("This giveaway needs level {needed}; you are level {level}."),
                needed=wanted.min_level,
                level=level,
            )
        case _:
            assert_never(why)
