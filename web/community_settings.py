"""Each community's settings on the dashboard: the welcome template with a live preview,
the rules, verification and the bot's language.

* ``GET /settings``: the communities the viewer manages; ``GET /settings/<platform>/<id>``
  one of them (404 for any other).
* ``POST /settings/<platform>/<id>/preview``: the greeting as a newcomer would read it,
  filled from the typed template (asked for by the page as the manager types, htmx);
  nothing is stored.
* ``POST /settings/<platform>/<id>``: one change, as the manager's own command
  (``/welcome set ...``, ``/welcome on|off``, ``/rules set ...``, ``/rules clear``,
  ``/verify on|off``, ``/lang <code>``) through :mod:`web.actions`.
"""

from __future__ import annotations

from aiohttp import web

from townsquare.core.dashboard.store import Grant
from townsquare.core.i18n import LANGUAGES, _, translator
from townsquare.core.onboarding.settings import Gate, OnboardingSettings
from townsquare.core.onboarding.specs import DEFAULT_TEMPLATE, MAX_RULES
from townsquare.core.onboarding.templates import TemplateError, render, variables
from townsquare.core.refs import CommunityRef
from townsquare.core.settings import Language, read
from townsquare.web import actions
from townsquare.web.auth import Viewer, posted, viewer
from townsquare.web.inbox import read_tx
from townsquare.web.views import render as render_page

MAX_TEMPLATE = 2000
CHANGES: dict[str, tuple[str, ...]] = {
    "welcome": ("welcome", "set"),
    "welcome_on": ("welcome", "on"),
    "welcome_off": ("welcome", "off"),
    "rules": ("rules", "set"),
    "rules_clear": ("rules", "clear"),
    "verify_on": ("verify", "on"),
    "verify_off": ("verify", "off"),
    "lang": ("lang",),
}
WITH_TEXT = frozenset({"welcome", "rules"})


def _grant(request: web.Request, who: Viewer) -> Grant:
    grant = who.grant_for(request.match_info["platform"], request.match_info["community"])
    if grant is None:
        raise web.HTTPNotFound(text="There is no such community.")
    return grant


def _shared(request: web.Request, community: CommunityRef) -> CommunityRef:
    from townsquare.web.tickets import scope_of

    platform, shared_id = scope_of(request, community.platform, community.id)
    if shared_id == community.id:
        return community
    return CommunityRef(platform, shared_id)


async def _read(request: web.Request, grant: Grant) -> tuple[OnboardingSettings, str, int]:
    community = CommunityRef(grant.community_platform, grant.community_id)
    async with read_tx(request) as tx:
        stored = await tx.settings(community)
        shared = await tx.settings(_shared(request, community))
        members = await tx.member_count(community)
    onboarding = read(
        OnboardingSettings, {**stored, **{k: v for k, v in shared.items() if k == "rules"}}
    )
    language = read(Language, stored).locale or _default_language(request)
    return onboarding, language, members


def _default_language(request: web.Request) -> str:
    from townsquare.web.app import RUNTIME

    return str(request.app[RUNTIME].config.defaults.locale)


async def settings_index(request: web.Request) -> web.Response:
    who = await viewer(request)
    return render_page(
        request,
        "settings_index.html",
        language=who.language,
        viewer=who,
        csrf=who.session.csrf,
    )


async def _page(
    request: web.Request, who: Viewer, grant: Grant, answer: list[str] | None, *, done: bool
) -> web.Response:
    onboarding, language, members = await _read(request, grant)
    template = onboarding.template or translator(language)(DEFAULT_TEMPLATE)
    return render_page(
        request,
        "settings.html",
        language=who.language,
        viewer=who,
        csrf=who.session.csrf,
        grant=grant,
        onboarding=onboarding,
        verifying=onboarding.gate is not Gate.OFF,
        greeting=template,
        preview=_preview(template, grant, onboarding.rules or "", members, language, who),
        bot_language=language,
        bot_languages=LANGUAGES,
        answer=answer,
        done=done,
    )


def _preview(
    template: str, grant: Grant, rules: str, members: int, language: str, who: Viewer
) -> str:
    tr = translator(language)
    values = variables(
        [(who.session.user_id, who.session.display_name)],
        community=grant.community_title or grant.community_id,
        member_count=members,
        rules=rules,
        tr=tr,
    )
    try:
        return render(template, values).plain()
    except TemplateError as error:
        return translator(who.language)(
            _("This template cannot be used: {why}"), why=error.explain(translator(who.language))
        )


async def settings_page(request: web.Request) -> web.Response:
    who = await viewer(request)
    return await _page(request, who, _grant(request, who), None, done=False)


async def preview(request: web.Request) -> web.Response:
    who, form = await posted(request)
    grant = _grant(request, who)
    onboarding, language, members = await _read(request, grant)
    template = str(form.get("text", ""))[:MAX_TEMPLATE]
    shown = _preview(template, grant, onboarding.rules or "", members, language, who)
    return render_page(request, "_preview.html", language=who.language, preview=shown)


async def change(request: web.Request) -> web.Response:
    who, form = await posted(request)
    grant = _grant(request, who)
    what = str(form.get("what", ""))
    if what not in CHANGES:
        raise web.HTTPBadRequest(text="unknown change")
    name, *argv = CHANGES[what]
    if what in WITH_TEXT:
        text = str(form.get("text", "")).strip()[: MAX_RULES if what == "rules" else MAX_TEMPLATE]
        if not text:
            raise web.HTTPBadRequest(text="write the text first")
        argv += ["--", text]
    if what == "lang":
        chosen = str(form.get("language", ""))
        if chosen not in LANGUAGES:
            raise web.HTTPBadRequest(text="unknown language")
        argv.append(chosen)
    answer = await actions.submit(request, who, grant, actions.form_nonce(form), name, argv)
    return await _page(request, who, grant, answer, done=True)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/settings", settings_index)
    app.router.add_get("/settings/{platform}/{community}", settings_page)
    app.router.add_post("/settings/{platform}/{community}", change)
    app.router.add_post("/settings/{platform}/{community}/preview", preview)
