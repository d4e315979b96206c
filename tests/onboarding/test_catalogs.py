"""Every sentence onboarding says is translated in Italian and Russian, with the right
number of plural forms; the combined-greeting glue follows each language's plural rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from townsquare.core.i18n import LOCALES_DIR, Translator
from townsquare.core.onboarding.templates import name_list

PACKAGE = Path(__file__).resolve().parents[2] / "core" / "onboarding"


def marked() -> set[str]:
    found = extract_from_dir(str(PACKAGE), method_map=[("**.py", "python")], keywords={"_": None})
    return {message for _file, _line, message, _comments, _context in found}


@pytest.mark.parametrize(("language", "forms"), [("it", 2), ("ru", 3)])
def test_every_marked_sentence_is_translated(language: str, forms: int) -> None:
    with (LOCALES_DIR / language / "onboarding.po").open("rb") as handle:
        catalog = read_po(handle)
    translated: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            assert isinstance(message.string, tuple) and len(message.string) == forms
            assert all(message.string), message.id
            translated.update(message.id)
        else:
            assert message.string, message.id
            translated.add(message.id)
    sentences = marked()
    assert len(sentences) > 100
    assert sentences - translated == set()
    assert translated - sentences == set(), "stale entries"


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("en", 2, "Alice and Bob"),
        ("en", 3, "Alice, Bob and Carol"),
        ("en", 40, "Alice, Bob and 38 others"),
        ("it", 3, "Alice, Bob e Carol"),
        ("it", 40, "Alice, Bob e altre 38 persone"),
        ("ru", 23, "Alice, Bob и ещё 21 человек"),
        ("ru", 24, "Alice, Bob и ещё 22 человека"),
        ("ru", 27, "Alice, Bob и ещё 25 человек"),
        ("ru", 113, "Alice, Bob и ещё 111 человек"),
    ],
)
def test_combined_names_in_every_language(language: str, count: int, expected: str) -> None:
    names = ["Alice", "Bob", "Carol", *(f"m{index}" for index in range(count - 3))][:count]
    assert name_list(names, Translator(language)).plain() == expected


@pytest.mark.parametrize(("n", "word"), [(11, "новичков"), (21, "новичок"), (32, "новичка")])
def test_russian_raid_alert_plural(n: int, word: str) -> None:
    text = Translator("ru").plural(
        "⚠️ Join raid in {community}: {n} newcomer in the last {seconds} seconds.",
        "⚠️ Join raid in {community}: {n} newcomers in the last {seconds} seconds.",
        n,
        community="X",
        seconds=30,
    )
    assert text == f"⚠️ Набег на X: {n} {word} за последние 30 с."
