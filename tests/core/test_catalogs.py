"""Every sentence the core and its features mark for translation is in the Italian and
Russian catalogs, with each language's number of plural forms."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from townsquare.core.i18n import LOCALES_DIR

CORE = Path(__file__).resolve().parents[2] / "core"


def marked() -> dict[str, str]:
    """Marked sentence -> where it is (plural pairs are marked one ``_`` each)."""
    found = extract_from_dir(str(CORE), method_map=[("**.py", "python")], keywords={"_": None})
    return {message: f"{path}:{line}" for path, line, message, _comments, _context in found}


@pytest.mark.parametrize(("language", "forms"), [("it", 2), ("ru", 3)])
def test_every_marked_sentence_of_the_core_is_translated(language: str, forms: int) -> None:
    translated: set[str] = set()
    for path in sorted((LOCALES_DIR / language).glob("*.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if not message.id:
                continue
            if isinstance(message.id, tuple):
                assert isinstance(message.string, tuple), message.id
                assert len(message.string) == forms and all(message.string), message.id
                translated.update(message.id)
            else:
                assert message.string, f"{path.name}: {message.id!r} has no translation"
                translated.add(message.id)
    sentences = marked()
    assert len(sentences) > 300
    missing = {
        sentence: where for sentence, where in sentences.items() if sentence not in translated
    }
    assert missing == {}


@pytest.mark.parametrize("language", ["it", "ru"])
def test_a_sentence_has_one_translation_across_the_catalogs(language: str) -> None:
    """The catalogs merge into one per language, so a sentence two features both mark must
    read the same in both files: otherwise the file sorted last silently wins for both."""
    seen: dict[str | tuple[str, ...], tuple[str, str | tuple[str, ...]]] = {}
    clashes: list[str] = []
    for path in sorted((LOCALES_DIR / language).glob("*.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if not message.id or not message.string:
                continue
            key = tuple(message.id) if isinstance(message.id, tuple | list) else message.id
            string = (
                tuple(message.string)
                if isinstance(message.string, tuple | list)
                else message.string
            )
            first = seen.setdefault(key, (path.name, string))
            if first[1] != string:
                clashes.append(f"{key!r}: {first[0]} {first[1]!r} / {path.name} {string!r}")
    assert clashes == []
