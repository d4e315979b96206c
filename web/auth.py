"""Logging in to the dashboard, sessions and CSRF.

* ``GET /login/<token>`` (the link ``/dashboard`` sent) shows a "Log in" button and uses
  nothing: link previews that fetch the URL cannot spend the link. ``POST`` on the same
  address uses the token (once, within its 10 minutes) and opens a session. An unknown,
  used or expired token gets 403 and no session, on both.
* The session cookie (``ts_session``) is HttpOnly, SameSite=Lax, and Secure when the
  dashboard is served over https (``[web] public_url`` or the request itself).
* Every form carries the session's CSRF token (the login form a cookie-bound one);
  every POST without the right one is refused with 403 before anything is done.
* ``/sessions`` lists the person's live sessions; any of them can be ended there, and
  ``POST /logout`` ends the current one.
* :func:`viewer` reads the session and the communities it may see on every request:
  a grant that ended (a demoted manager) is gone at the next click.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from townsquare.core.dashboard.store import Grant
from townsquare.core.i18n import LANGUAGES
from townsquare.storage.web import Session, WebAuth
from townsquare.web.views import render

SESSION_COOKIE = "ts_session"
LOGIN_COOKIE = "ts_login"
AUTH: web.AppKey[dict[str, WebAuth]] = web.AppKey("web_auth", dict)


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is looking, and what they may see, read afresh for this request."""

    session: Session
    grants: tuple[Grant, ...]
    language: str

    def grant_for(self, platform: str, community_id: str) -> Grant | None:
        for grant in self.grants:
            if (grant.community_platform, grant.community_id) == (platform, community_id):
                return grant
        return None

    @property
    def communities(self) -> list[tuple[str, str, str]]:
        """(platform, id, title) of each community the viewer manages, once each."""
        seen: dict[tuple[str, str], str] = {}
        for grant in self.grants:
            key = (grant.community_platform, grant.community_id)
            seen.setdefault(key, grant.community_title or grant.community_id)
        return [(platform, cid, title) for (platform, cid), title in seen.items()]


def now() -> datetime:
    return datetime.now(UTC)


def auth(request: web.Request) -> WebAuth:
    """The logins' store, made at the first request (the runtime's database opens after
    the web side starts)."""
    holder = request.app[AUTH]
    found = holder.get("auth")
    if found is None:
        from townsquare.web.app import RUNTIME

        runtime = request.app[RUNTIME]
        store = getattr(runtime, "store", None)
        if store is None:
            engine = getattr(runtime, "engine", None)
            if engine is None:
                raise web.HTTPServiceUnavailable(text="starting; try again in a moment")
            from townsquare.storage.store import SqlStore

            store = SqlStore(engine)
        found = holder["auth"] = WebAuth(store)
    return found


def secure(request: web.Request) -> bool:
    from townsquare.web.app import RUNTIME

    config = getattr(request.app[RUNTIME], "config", None)
    public = getattr(getattr(config, "web", None), "public_url", None)
    return request.secure or (public is not None and str(public).startswith("https:"))


async def viewer(request: web.Request) -> Viewer:
    """The viewer of this request, or a redirect to the page saying how to log in."""
    secret = request.cookies.get(SESSION_COOKIE)
    store = auth(request)
    session = await store.session(secret, now()) if secret else None
    if session is None:
        if request.headers.get("HX-Request"):  # a live part of a page: reload to log in
            raise web.HTTPUnauthorized(headers={"HX-Redirect": "/login"})
        raise web.HTTPSeeOther("/login")
    grants = await store.grants(session, now())
    return Viewer(session, tuple(grants), session.locale)


def check_csrf(request: web.Request, form: Any, expected: str) -> None:
    given = form.get("csrf", "")
    if not isinstance(given, str) or not hmac.compare_digest(given, expected):
        raise web.HTTPForbidden(text="missing or wrong CSRF token; reload the page")


async def posted(request: web.Request) -> tuple[Viewer, Any]:
    """The viewer and the form of a POST whose CSRF token is right (else 403)."""
    who = await viewer(request)
    form = await request.post()
    check_csrf(request, form, who.session.csrf)
    return who, form


def _language(request: web.Request) -> str:
    for part in request.headers.get("Accept-Language", "").split(","):
        code = part.split(";")[0].strip()[:2].lower()
        if code in LANGUAGES:
            return code
    return "en"


async def login_help(request: web.Request) -> web.Response:
    return render(request, "login_help.html", language=_language(request), status=401)


async def login_page(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    language = _language(request)
    if not await auth(request).valid_token(token, now()):
        return render(request, "refused.html", language=language, status=403)
    guard = request.cookies.get(LOGIN_COOKIE) or _new_guard()
    response = render(request, "login.html", language=language, token=token, csrf=guard)
    response.set_cookie(
        LOGIN_COOKIE,
        guard,
        path="/login/",
        httponly=True,
        samesite="Lax",
        secure=secure(request),
        max_age=600,
    )
    return response


def _new_guard() -> str:
    from townsquare.core.dashboard.rules import new_secret

    return new_secret()


async def log_in(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    form = await request.post()
    guard = request.cookies.get(LOGIN_COOKIE, "")
    if not guard:
        raise web.HTTPForbidden(text="missing or wrong CSRF token; open the link again")
    check_csrf(request, form, guard)
    opened = await auth(request).log_in(token, request.headers.get("User-Agent", ""), now())
    if opened is None:
        return render(request, "refused.html", language=_language(request), status=403)
    secret, _session = opened
    response = web.HTTPSeeOther("/inbox")
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=secure(request),
        max_age=12 * 3600,
    )
    response.del_cookie(LOGIN_COOKIE, path="/login/")
    raise response


async def log_out(request: web.Request) -> web.StreamResponse:
    who, _form = await posted(request)
    await auth(request).end(who.session.id, who.session.person_id, now())
    response = web.HTTPSeeOther("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


async def sessions_page(request: web.Request) -> web.Response:
    who = await viewer(request)
    return await _sessions(request, who)


async def _sessions(request: web.Request, who: Viewer, done: str | None = None) -> web.Response:
    live = await auth(request).sessions(who.session.person_id, now())
    return render(
        request,
        "sessions.html",
        language=who.language,
        viewer=who,
        csrf=who.session.csrf,
        sessions=live,
        done=done,
    )


async def end_session(request: web.Request) -> web.Response:
    who, _form = await posted(request)
    try:
        session_id = int(request.match_info["session"])
    except ValueError:
        raise web.HTTPNotFound() from None
    ended = await auth(request).end(session_id, who.session.person_id, now())
    if not ended:
        raise web.HTTPNotFound()
    if session_id == who.session.id:
        raise web.HTTPSeeOther("/login")
    return await _sessions(request, who, done="ended")


async def set_language(request: web.Request) -> web.StreamResponse:
    who, form = await posted(request)
    language = str(form.get("lang", ""))
    if language in LANGUAGES:
        await auth(request).set_language(who.session.id, language)
    back = str(form.get("back", "/inbox"))
    local = back.startswith("/") and not back.startswith(("//", "/\\")) and "\\" not in back
    raise web.HTTPSeeOther(back if local else "/inbox")


def add_routes(app: web.Application) -> None:
    app[AUTH] = {}
    app.router.add_get("/login", login_help)
    app.router.add_get("/login/{token}", login_page)
    app.router.add_post("/login/{token}", log_in)
    app.router.add_post("/logout", log_out)
    app.router.add_get("/sessions", sessions_page)
    app.router.add_post("/sessions/{session}/end", end_session)
    app.router.add_post("/language", set_language)
