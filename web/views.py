"""Rendering the dashboard's pages: Jinja2 with autoescaping, in the viewer's language.

Every value a template shows is escaped by Jinja2 (``autoescape`` on for ``.html``), so a
member's name or message such as ``<script>`` reads as text; no template marks anything
``|safe``. Sentences are written in English and translated with ``t("...")`` from the
project's catalogs (``core/locales/<lang>/dashboard.po``, en/it/ru).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from babel.dates import format_datetime
from jinja2 import Environment, FileSystemLoader, select_autoescape

from townsquare.core.i18n import LANGUAGES, Translator, translator

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
LANGUAGE_NAMES = {"en": "English", "it": "Italiano", "ru": "Русский"}

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"], default_for_string=True, default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def nonce() -> str:
    """A fresh id for one form: the event it submits is processed once, however often
    the browser sends it again."""
    return secrets.token_urlsafe(12)


def when(at: datetime | None, tr: Translator) -> str:
    if at is None:
        return ""
    return format_datetime(at.astimezone(UTC), "short", tzinfo=UTC, locale=tr.language) + " UTC"


def render(
    request: web.Request,
    template: str,
    *,
    language: str = "en",
    status: int = 200,
    **values: Any,
) -> web.Response:
    tr = translator(language if language in LANGUAGES else "en")
    page = _environment.get_template(template).render(
        t=tr,
        lang=tr.language,
        languages=LANGUAGE_NAMES,
        nonce=nonce,
        when=lambda at: when(at, tr),
        path=request.path,
        **values,
    )
    return web.Response(text=page, status=status, content_type="text/html", charset="utf-8")


@web.middleware
async def security_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    """Headers every answer carries: no inline script or style, no framing, no referrer
    (a login link never leaks), no caching of pages that show members' data."""
    response: web.StreamResponse = await handler(request)
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    )
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response
