"""What a poll looks like and what its numbers are: pure functions of the poll and its
votes, shared by every post of a poll (:mod:`core.polls.feature`)."""

from __future__ import annotations

import csv
import io

from townsquare.core.actions import Button, ButtonRows, ButtonStyle
from townsquare.core.i18n import Translator, _
from townsquare.core.polls import rules
from townsquare.core.polls.rules import VoteButton
from townsquare.core.polls.store import Poll, Tally, Vote
from townsquare.core.text import Text, TextLike, bold, compose, italic, italicise, join, lines


def tally_after(tally: Tally, before: frozenset[int], after: frozenset[int]) -> Tally:
    """The tally once a member's options went from ``before`` to ``after``."""
    counts = list(tally.counts)
    for option in before - after:
        if 0 <= option < len(counts):
            counts[option] -= 1
    for option in after - before:
        if 0 <= option < len(counts):
            counts[option] += 1
    voters = tally.voters + (1 if after and not before else 0) - (1 if before and not after else 0)
    return Tally(tuple(counts), voters)


def validate(question: str, options: tuple[str, ...], tr: Translator) -> str | None:
    if not question:
        return tr(_("The question is empty."))
    if len(question) > rules.MAX_QUESTION:
        return tr(_("The question is too long: at most {n} characters."), n=rules.MAX_QUESTION)
    if not rules.MIN_OPTIONS <= len(options) <= rules.MAX_OPTIONS:
        return tr(
            _("A poll needs {low} to {high} options; you gave {n}."),
            low=rules.MIN_OPTIONS,
            high=rules.MAX_OPTIONS,
            n=len(options),
        )
    for number, option in enumerate(options, 1):
        if not option:
            return tr(_("Option {n} is empty."), n=number)
        if len(option) > rules.MAX_OPTION:
            return tr(
                _("Option {n} is too long: at most {limit} characters."),
                n=number,
                limit=rules.MAX_OPTION,
            )
    if len(set(options)) != len(options):
        return tr(_("Two options are the same."))
    return None


def tally(found: Poll, votes: list[Vote]) -> Tally:
    counts = [0] * len(found.options)
    for vote in votes:
        if 0 <= vote.option < len(counts):
            counts[vote.option] += 1
    return Tally(tuple(counts), len({vote.user_id for vote in votes}))


def render(found: Poll, counted: Tally, tr: Translator) -> Text:
    counts, voters = counted.counts, counted.voters
    total = sum(counts)
    rows: list[TextLike] = [
        compose("📊 #{id} {question}", id=str(found.id), question=bold(found.question)),
        "",
    ]
    for number, (option, count) in enumerate(zip(found.options, counts, strict=True), 1):
        share = f"{round(100 * count / total)}%" if total else "0%"
        rows.append(
            compose(
                "{n}. {option} — {count} {bar} {share}",
                n=str(number),
                option=option,
                count=str(count),
                bar=rules.bar(count, total),
                share=share,
            )
        )
    rows.append("")
    status: list[TextLike] = [tr.plural(_("{n} voter"), _("{n} voters"), voters)]
    if found.multi:
        status.append(tr(_("several choices allowed")))
    if found.anonymous:
        status.append(tr(_("anonymous")))
    if found.closed_at is not None:
        status.append(tr(_("closed")))
    elif found.closes_at is not None:
        status.append(compose(tr(_("closes {when}")), when=tr.moment(found.closes_at)))
    rows.append(italicise(join(status, " · ")))
    return lines(*rows)


def buttons(found: Poll, tr: Translator) -> ButtonRows:
    """Two groups in reading order: the numbered options, then Retract. Each adapter lays
    them out for its platform (:mod:`core.layout`): as many options a row as its screen
    and limits allow, Retract always last, and labels cut only where the platform must."""
    options = tuple(
        Button(
            f"{number}. {option}",
            VoteButton(found.id, number - 1).pack(),
            fallback=f"/vote {found.id} {number}",
        )
        for number, option in enumerate(found.options, 1)
    )
    retract = Button(
        tr(_("Retract vote")),
        VoteButton(found.id, rules.RETRACT).pack(),
        ButtonStyle.DANGER,
        fallback=f"/vote {found.id} retract",
    )
    return (options, (retract,))


def summary(found: Poll, counted: Tally, tr: Translator) -> Text:
    counts, voters = counted.counts, counted.voters
    best = max(counts) if counts else 0
    winners = [option for option, count in zip(found.options, counts, strict=True) if count == best]
    if voters == 0:
        return compose(
            tr(_("Poll #{id} closed without votes: {question}")),
            id=str(found.id),
            question=bold(found.question),
        )
    return compose(
        tr(_("Poll #{id} closed: {question} → {winner} ({voters})")),
        id=str(found.id),
        question=bold(found.question),
        winner=bold(" / ".join(winners)),
        voters=tr.plural(_("{n} voter"), _("{n} voters"), voters),
    )


def results(found: Poll, votes: list[Vote], tr: Translator) -> Text:
    """Counts for everyone; names too unless the poll is anonymous."""
    counts = tally(found, votes).counts
    rows: list[TextLike] = [
        compose("#{id} {question}", id=str(found.id), question=bold(found.question))
    ]
    for index, option in enumerate(found.options):
        names = [vote.display_name for vote in votes if vote.option == index]
        line = compose("{option}: {count}", option=option, count=str(counts[index]))
        if names and not found.anonymous:
            line = line + compose(" — {names}", names=", ".join(names))
        rows.append(line)
    if found.anonymous:
        rows.append(italic(tr(_("Anonymous poll: voters are not shown."))))
    return lines(*rows)


def export_csv(found: Poll, votes: list[Vote]) -> str:
    """One row per option: its text and vote count, and for a poll that is not anonymous
    its voters (``; ``-separated display names). An anonymous poll's export has no voter
    column at all. Managers get it privately as ``poll-<id>.csv`` (UTF-8, RFC 4180 line
    ends) where the platform takes files, else as text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    counts = tally(found, votes).counts
    writer.writerow(["option", "votes"] + ([] if found.anonymous else ["voters"]))
    for index, option in enumerate(found.options):
        row = [option, str(counts[index])]
        if not found.anonymous:
            row.append("; ".join(v.display_name for v in votes if v.option == index))
        writer.writerow(row)
    return buffer.getvalue()
