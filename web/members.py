"""Members on the dashboard (read-only): search the rosters of the viewer's communities;
one member's linked accounts, active warnings in the communities the viewer manages, and
XP, level and reputation in the community's economy (its space's, in a space).

* ``GET /members?q=...``: the search; ``GET /members/<platform>/<community>/<user>``: one
  member of a community the viewer manages (404 for any other).

Warning, muting and XP changes stay chat commands (they answer a reply to the member's
message, which a web page has none of).
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from townsquare.core.persons import account_platform
from townsquare.core.refs import CommunityRef
from townsquare.core.rewards.scopes import scope_of
from townsquare.storage.escalation import SqlEscalationStore
from townsquare.storage.people import SqlPeopleStore, SqlPersonDirectory
from townsquare.storage.rewards import SqlRewardsStore
from townsquare.storage.web import members
from townsquare.web.auth import viewer
from townsquare.web.inbox import read_tx
from townsquare.web.views import render

MAX_QUERY = 100


async def members_page(request: web.Request) -> web.Response:
    who = await viewer(request)
    text = str(request.query.get("q", "")).strip()[:MAX_QUERY]
    communities = [(platform, cid) for platform, cid, _title in who.communities]
    async with read_tx(request) as tx:
        found = await members(tx.connection, communities, text=text)
    return render(
        request,
        "members.html",
        language=who.language,
        viewer=who,
        csrf=who.session.csrf,
        text=text,
        found=found,
    )


async def member_page(request: web.Request) -> web.Response:
    from townsquare.web.app import RUNTIME

    who = await viewer(request)
    platform, community_id = request.match_info["platform"], request.match_info["community"]
    user_id = request.match_info["user"]
    grant = who.grant_for(platform, community_id)
    if grant is None:
        raise web.HTTPNotFound(text="There is no such member.")
    now = datetime.now(UTC)
    async with read_tx(request) as tx:
        rows = await members(tx.connection, [(platform, community_id)], user_id=user_id)
        if not rows:
            raise web.HTTPNotFound(text="There is no such member.")
        account = await SqlPeopleStore(tx).find_account(account_platform(platform), user_id)
        accounts = await SqlPeopleStore(tx).accounts(account.person_id) if account else []
        persons = (
            await SqlPersonDirectory().aliases(tx, account.person_id) if account else frozenset()
        )
        warnings = [
            warning
            for warning in await SqlEscalationStore(tx).active_warnings(
                platform=platform, user_id=user_id, persons=persons, now=now
            )
            if who.grant_for(warning.platform, warning.community_id) is not None
        ]
        space = request.app[RUNTIME].config.space_directory().of(grant.bot, community_id)
        wallet = (
            await SqlRewardsStore(tx).wallet(
                scope_of(space, CommunityRef(platform, community_id)), account.person_id
            )
            if account
            else None
        )
    return render(
        request,
        "member.html",
        language=who.language,
        viewer=who,
        csrf=who.session.csrf,
        member=rows[0],
        accounts=accounts,
        warnings=warnings,
        wallet=wallet,
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/members", members_page)
    app.router.add_get("/members/{platform}/{community}/{user}", member_page)
