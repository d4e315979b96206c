"""Catalogs load, fall back to English, and get plural forms right (Russian has three)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from townsquare.core.actions import SendMessage, action_from_payload, action_to_payload
from townsquare.core.i18n import LANGUAGES, LOCALES_DIR, Translator
from townsquare.core.refs import ChannelRef
from townsquare.core.text import Style, compose, italicise, moment


def test_italian_and_russian_translate() -> None:
    assert Translator("it")("Settings") == "Impostazioni"
    assert Translator("ru")("Settings") == "Настройки"
    assert Translator("en")("Settings") == "Settings"


def test_unknown_language_and_missing_sentence_fall_back_to_english() -> None:
    assert Translator("xx").language == "en"
    assert Translator("it")("A sentence nobody translated") == "A sentence nobody translated"


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "1 известный участник"),
        (2, "2 известных участника"),
        (5, "5 известных участников"),
        (11, "11 известных участников"),
        (21, "21 известный участник"),
        (22, "22 известных участника"),
        (112, "112 известных участников"),
    ],
)
def test_russian_plural_forms(n: int, expected: str) -> None:
    assert Translator("ru").plural("{n} member known", "{n} members known", n) == expected


def test_italian_and_english_plurals() -> None:
    assert Translator("it").plural("{n} member known", "{n} members known", 1) == (
        "1 membro conosciuto"
    )
    assert Translator("it").plural("{n} member known", "{n} members known", 0) == (
        "0 membri conosciuti"
    )
    assert Translator("en").plural("{n} member known", "{n} members known", 3) == (
        "3 members known"
    )


def test_every_catalog_entry_keeps_the_placeholders() -> None:
    from babel.messages.pofile import read_po

    for language in LANGUAGES[1:]:
        for path in (LOCALES_DIR / language).glob("*.po"):
            with path.open("rb") as handle:
                catalog = read_po(handle)
            for message in catalog:
                if not message.id:
                    continue
                sources = message.id if isinstance(message.id, tuple) else (message.id,)
                targets = message.string if isinstance(message.string, tuple) else (message.string,)
                fields = {f for s in sources for f in _fields(s)}
                for target in targets:
                    assert _fields(target) <= fields, f"{path.name}: {message.id!r}"


def _fields(text: str) -> set[str]:
    import string

    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_a_moment_reads_as_each_language_writes_dates_in_utc() -> None:
    at = datetime(2026, 11, 23, 15, 5, tzinfo=timezone(timedelta(hours=3)))  # 12:05 UTC
    shown = {language: Translator(language).moment(at).text for language in LANGUAGES}
    assert shown["en"].replace("\u202f", " ") == "Nov 23, 2026, 12:05 PM UTC"
    assert shown["it"] == "23 nov 2026, 12:05 UTC"
    assert shown["ru"].replace("\u202f", " ") == "23 нояб. 2026 г., 12:05 UTC"
    day = Translator("it").moment(at, with_time=False)
    assert (day.text, day.style, day.at) == ("23 nov 2026", Style.DATE, at)
    with pytest.raises(ValueError):
        moment(datetime(2026, 11, 23), "naive")


def test_a_moment_survives_the_outbox() -> None:
    at = datetime(2026, 11, 23, 12, 5, tzinfo=UTC)
    status = italicise(compose("closes {when}", when=Translator("en").moment(at)))
    assert [span.style for span in status.spans] == [Style.ITALIC, Style.TIME]
    action = SendMessage(bot="b", channel=ChannelRef("c"), text=status)
    payload = json.loads(json.dumps(action_to_payload(action)))
    assert action_from_payload(payload) == action
