"""Marks bot-authored sentences for translation.

Every sentence the bot says goes through :func:`_` so catalogs can be extracted; until the
catalogs (English, Italian, Russian) land with the onboarding feature, ``_`` returns the
English source text.
"""

from __future__ import annotations


def _(message: str) -> str:
    return message
