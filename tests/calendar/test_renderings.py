"""An event created in Rome time shows the right UTC instant in every platform's
rendering, on both sides of a daylight-saving change: Telegram's date-time entity,
Discord's timestamp markup and Slack's rich-text date all carry the same Unix time, and
the fallback text is the Rome wall clock with its offset then."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from townsquare.adapters.discord import outbound as discord
from townsquare.adapters.slack import outbound as slack
from townsquare.adapters.telegram import outbound as telegram
from townsquare.core.calendar.reading import start
from townsquare.core.calendar.render import card
from townsquare.core.calendar.store import CalendarEvent, Counts, Details
from townsquare.core.i18n import translator
from townsquare.core.text import Style

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "utc", "shown"),
    [
        ("2026-03-28 19:00", datetime(2026, 3, 28, 18, 0, tzinfo=UTC), "(UTC+01:00)"),
        ("2026-03-29 19:00", datetime(2026, 3, 29, 17, 0, tzinfo=UTC), "(UTC+02:00)"),
        ("domani 19:00", datetime(2026, 3, 2, 18, 0, tzinfo=UTC), "(UTC+01:00)"),
    ],
)
def test_every_platform_shows_the_same_instant(typed: str, utc: datetime, shown: str) -> None:
    tr = translator("it")
    begins = start(typed, "Europe/Rome", NOW, tr)
    assert begins.at == utc
    details = Details("Cena", None, timedelta(hours=2), None, (), timedelta())
    event = CalendarEvent(
        1, "telegram", "tg", "-100", "-100", None, details, begins.at, "Europe/Rome", "1"
    )
    text = card(event, Counts(), tr, NOW)
    (moment,) = [span for span in text.spans if span.style is Style.TIME]
    assert moment.text.endswith(f"19:00 Europe/Rome {shown}")
    unix = int(utc.timestamp())
    assert f'<tg-time unix="{unix}" format="wDt">' in "".join(telegram.render_chunks(text))
    assert f"<t:{unix}:F>" in "".join(discord.render(text))
    elements = [
        element for span in text.spans if (element := slack.element(span))["type"] == "date"
    ]
    assert [(e["timestamp"], e["fallback"]) for e in elements] == [(unix, moment.text)]
    assert re.search(r"19:00 Europe/Rome \(UTC\+0[12]:00\)", moment.text)
