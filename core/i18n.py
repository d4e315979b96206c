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
from datetime import UTC, datetime
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from townsquare.core.text import Span, moment

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

    def moment(self, at: datetime, *, with_time: bool = True) -> Span:
        """``at`` as a moment span: platforms that can show it in each reader's own time
        zone do; elsewhere it reads as this language writes dates, in UTC
        ("23 nov 2026, 12:15 UTC"; with ``with_time=False``, "23 nov 2026")."""
        at = at.astimezone(UTC)
        day = format_date(at, "medium", locale=self.language)
        if not with_time:
            return moment(at, day, with_time=False)
        clock = format_time(at, "short", tzinfo=UTC, locale=self.language)
        both = Locale.parse(self.language).datetime_formats["medium"]
        text = str(both).replace("'", "").replace("{0}", clock).replace("{1}", day)
        return moment(at, f"{text} UTC")


def translator(language: str) -> Translator:
    return Translator(language)
