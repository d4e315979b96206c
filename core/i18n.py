"""Translations of everything the bot says: gettext catalogs, one per language.

Sentences are written in English in the code and marked with :func:`_` so they can be
extracted (``pybabel extract``). Catalogs live in ``core/locales/<lang>/*.po``: one file per
feature (``core.po``, ``polls.po``...), so features never edit each other's files; all
files of a language are merged when first used. Plural forms follow each catalog's
``Plural-Forms`` header through :mod:`gettext` (Russian has three).

Shipped languages: English (the source), Italian and Russian. A missing translation falls
back to English, never to an error.
"""

from __future__ import annotations

import gettext as stdlib_gettext
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES = ("en", "it", "ru")
DEFAULT_LANGUAGE = "en"


def _(message: str) -> str:
    """Mark a sentence for translation; it is translated where it is shown."""
    return message


def N_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a plural pair for translation (see :meth:`Translator.plural`)."""
    return singular, plural


@cache
def _translations(language: str) -> stdlib_gettext.NullTranslations:
    folder = LOCALES_DIR / language
    files = sorted(folder.glob("*.po")) if folder.is_dir() else []
    if not files:
        return stdlib_gettext.NullTranslations()
    merged: Catalog | None = None
    for path in files:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        if merged is None:
            merged = catalog
            continue
        for message in catalog:
            if message.id and message.string:
                merged[message.id] = message
    assert merged is not None
    buffer = BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return stdlib_gettext.GNUTranslations(buffer)


class Translator:
    """Translates for one language; ``values`` fill ``{name}`` fields after translation."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self._catalog = _translations(self.language)

    def __call__(self, message: str, **values: object) -> str:
        """The translation; without ``values`` it stays a template for ``compose``."""
        text = self._catalog.gettext(message)
        return text.format(**values) if values else text

    def plural(self, singular: str, plural: str, n: int, **values: object) -> str:
        text = self._catalog.ngettext(singular, plural, n)
        return text.format(n=n, **values)


def translator(language: str) -> Translator:
    return Translator(language)
