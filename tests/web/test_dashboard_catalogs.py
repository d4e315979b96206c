"""Every sentence the dashboard's templates show (``t("...")``) and its modules mark
(``_("...")`` in ``web/*.py``) is in the Italian and Russian catalogs, and the pages
render in each language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from townsquare.core.i18n import LOCALES_DIR
from townsquare.web.views import TEMPLATES

SENTENCE = re.compile(r"""\bt\(\s*(["'])(.*?)\1""")


def template_sentences() -> set[str]:
    found: set[str] = set()
    for path in TEMPLATES.glob("*.html"):
        found.update(match.group(2) for match in SENTENCE.finditer(path.read_text("utf-8")))
    marked = extract_from_dir(
        str(TEMPLATES.parent), method_map=[("*.py", "python")], keywords={"_": None}
    )
    found.update(str(message) for _path, _line, message, _comments, _context in marked)
    return found


@pytest.mark.parametrize("language", ["it", "ru"])
def test_every_sentence_of_the_pages_is_translated(language: str) -> None:
    translated: set[str] = set()
    for path in sorted(Path(LOCALES_DIR / language).glob("*.po")):
        with path.open("rb") as handle:
            translated.update(
                str(message.id) for message in read_po(handle) if message.id and message.string
            )
    sentences = template_sentences()
    assert len(sentences) > 40
    assert sorted(sentences - translated) == []
