"""Catalogs load, fall back to English, and get plural forms right (Russian has three)."""

from __future__ import annotations

import pytest

from core.i18n import LANGUAGES, LOCALES_DIR, Translator


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
