"""Every FAQ sentence has an Italian and a Russian translation, with Russian plurals."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from townsquare.core.i18n import LOCALES_DIR, translator

SOURCES = sorted((Path(__file__).resolve().parents[2] / "core" / "faq").glob("*.py"))


def sentences() -> set[str]:
    found: set[str] = set()
    for path in SOURCES:
        for _line, message, _comments, _context in extract_from_file(
            "python", str(path), keywords={"_": None}
        ):
            found.add(str(message))
    return found


@pytest.mark.parametrize("language", ["it", "ru"])
def test_every_sentence_is_translated(language: str) -> None:
    with (LOCALES_DIR / language / "faq.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    translated: set[str] = set()
    for message in catalog:
        if not message.id or not message.string:
            continue
        if isinstance(message.id, tuple):
            translated.update(message.id)
            assert all(message.string), message.id
        else:
            translated.add(message.id)
    wanted = sentences()
    assert len(wanted) > 40
    assert wanted - translated == set()


def test_russian_plural_forms() -> None:
    tr = translator("ru")
    counts = (1, 3, 5, 11, 12, 21, 22, 25, 111, 0)
    assert [tr.plural("{n} hit", "{n} hits", n) for n in counts] == [
        "1 обращение",
        "3 обращения",
        "5 обращений",
        "11 обращений",
        "12 обращений",
        "21 обращение",
        "22 обращения",
        "25 обращений",
        "111 обращений",
        "0 обращений",
    ]
    assert [tr.plural("FAQ: {n} entry", "FAQ: {n} entries", n) for n in (1, 4, 11, 101)] == [
        "FAQ: 1 запись",
        "FAQ: 4 записи",
        "FAQ: 11 записей",
        "FAQ: 101 запись",
    ]
    assert [
        tr.plural("The FAQ has {n} entry.", "The FAQ has {n} entries.", n) for n in (2, 7, 31)
    ] == ["В FAQ 2 записи.", "В FAQ 7 записей.", "В FAQ 31 запись."]
    assert translator("it").plural("FAQ: {n} entry", "FAQ: {n} entries", 2) == "FAQ: 2 voci"
