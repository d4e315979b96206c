"""What a giveaway says: winners are mentioned only on their own platform, member text
stays text, and the seed shows only once drawn."""

from __future__ import annotations

from datetime import UTC, datetime

from townsquare.core.giveaways import render
from townsquare.core.giveaways.rules import Requirements
from townsquare.core.giveaways.store import Entry, Giveaway
from townsquare.core.i18n import translator
from townsquare.core.text import Style

AT = datetime(2026, 12, 10, 18, 0, tzinfo=UTC)
GIVEAWAY = Giveaway(
    id=3,
    platform="telegram",
    bot="tg",
    community_id="-100",
    channel_id="-100",
    thread_id=None,
    prize="@everyone *free* <b>stuff</b>",
    winners=2,
    requirements=Requirements(min_days=7, min_level=5),
    ends_at=AT,
    seed="ab" * 32,
    seed_hash="cd" * 32,
    created_by="1",
)
TG = Entry("p1", "telegram-ptb", "tg", "111", "Tom")
SL = Entry("p2", "slack", "sl", "U222", "@here Sam")


def test_a_winner_is_mentioned_only_on_their_own_platform() -> None:
    text = render.result(GIVEAWAY, 1, 9, [TG, SL], "telegram", translator("en"))
    mentions = [span for span in text.spans if span.style == Style.MENTION]
    assert [span.user_id for span in mentions] == ["111"]
    assert any(span.text == "@here Sam" and span.style == Style.BOLD for span in text.spans)
    assert "9 entries. Seed: " + "ab" * 32 in text.plain()


def test_the_open_post_shows_the_hash_and_the_requirements_not_the_seed() -> None:
    text = render.post(GIVEAWAY, 1, translator("it"))
    plain = text.plain()
    assert "cd" * 32 in plain and "ab" * 32 not in plain
    assert "nella community da 7 giorni, livello 5 o superiore" in plain
    assert "1 partecipazione finora" in plain
    (prize,) = [span for span in text.spans if span.text == GIVEAWAY.prize]
    assert prize.style == Style.BOLD, "the prize is a span, never markup"


def test_russian_counts_take_their_three_forms() -> None:
    ru = translator("ru")
    assert "Пока 1 участник" in render.post(GIVEAWAY, 1, ru).plain()
    assert "Пока 3 участника" in render.post(GIVEAWAY, 3, ru).plain()
    assert "Пока 5 участников" in render.post(GIVEAWAY, 5, ru).plain()
