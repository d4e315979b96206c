"""What the FAQ shows: an answer card, its buttons, a line of ``/faq list`` (pure)."""

from __future__ import annotations

from townsquare.core.actions import Button, ButtonRows, ButtonStyle
from townsquare.core.faq.rules import Choice, FaqButton
from townsquare.core.faq.store import Entry, EntryStats
from townsquare.core.i18n import Translator, _
from townsquare.core.text import Text, bold, compose, lines


def card(entry: Entry) -> Text:
    """An answer: the entry's question in bold, then its answer (both escaped by adapters)."""
    return lines(compose("💡 {question}", question=bold(entry.question)), entry.answer)


def vote_buttons(entry_id: int, tr: Translator) -> ButtonRows:
    return (
        (
            Button(
                "👍 " + tr(_("Helpful")),
                FaqButton(entry_id, Choice.HELPFUL).pack(),
                ButtonStyle.PRIMARY,
                fallback=f"/faq helpful {entry_id}",
            ),
            Button(
                "👎 " + tr(_("Not helpful")),
                FaqButton(entry_id, Choice.NOT_HELPFUL).pack(),
                fallback=f"/faq nothelpful {entry_id}",
            ),
        ),
    )


def choice_buttons(entries: list[Entry]) -> ButtonRows:
    return tuple(
        (
            Button(
                f"#{e.id} {e.question}"[:64],
                FaqButton(e.id, Choice.SHOW).pack(),
                fallback=f"/faq {e.id}",
            ),
        )
        for e in entries
    )


def stats_line(row: EntryStats, tr: Translator) -> Text:
    return compose(
        "#{id} {question} — {hits} · 👍 {yes} · 👎 {no}",
        id=str(row.entry.id),
        question=row.entry.question,
        hits=tr.plural(_("{n} hit"), _("{n} hits"), row.hits),
        yes=str(row.helpful),
        no=str(row.not_helpful),
    )
