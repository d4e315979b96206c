"""Teams (``/feedback team``, ``/feedback route``, keyword routing) and the monthly
"you asked, we shipped" post: the parts of :class:`core.feedback.feature.Feedback` that
act on a scope's teams and boards."""

from __future__ import annotations

from typing import TYPE_CHECKING

from townsquare.core.actions import SendMessage
from townsquare.core.events import JobDue
from townsquare.core.features import Context
from townsquare.core.feedback import render, rules
from townsquare.core.feedback.answers import privately
from townsquare.core.feedback.settings import FeedbackSettings
from townsquare.core.feedback.specs import SHIPPED_JOB, shipped_key
from townsquare.core.feedback.status import send_posts
from townsquare.core.feedback.store import FeedbackStore, Idea, Place, Team
from townsquare.core.i18n import _
from townsquare.core.persons import account_platform
from townsquare.core.refs import ChannelRef, CommunityRef

if TYPE_CHECKING:
    from townsquare.core.commands import Invocation
    from townsquare.core.feedback.feature import Feedback


async def routed(store: FeedbackStore, idea: Idea, language: str) -> Team | None:
    """The team the idea's words route it to (by each team's keywords), if any."""
    teams = await store.teams(idea.scope)
    name = rules.routed_team(idea.text, [t.routing for t in teams if t.keywords], language)
    return next((t for t in teams if t.name == name), None)


async def team_command(feature: Feedback, invocation: Invocation, ctx: Context) -> None:
    tr, event = ctx.tr, ctx.event
    name = str(invocation.args.get("name") or "").strip().lower()
    action = str(invocation.args.get("action") or "").strip().lower()
    if not rules.valid_team(name):
        ctx.respond(
            tr(
                _("A team's name is one word of letters, digits, - or _ (at most {n})."),
                n=rules.MAX_TEAM,
            )
        )
        return
    if event.community is None and action in ("keywords", "link"):
        ctx.respond(tr(_("Set a team's keywords from a community of its board.")))
        return
    store = feature.store(ctx.tx)
    if action == "link":
        await _link(feature, name, ctx)
        return
    if action == "here":
        if event.channel is None:
            return
        typed = str(invocation.args.get("words") or "").strip()
        if typed:
            code = rules.read_code(typed)
            hashed = rules.code_hash(code) if code else None
            taken = await store.take_team_code(hashed, name, ctx.now) if hashed else None
            if taken is None:
                ctx.respond(
                    tr(
                        _(
                            "That code is wrong, used or expired: /feedback team {team} link "
                            "in a community of the board gives a new one."
                        ),
                        team=name,
                    )
                )
                return
            scope: str | None = taken
        else:
            scope = await _inbox_scope(feature, ctx)
        if scope is None:
            ctx.respond(
                tr(
                    _(
                        "Send /feedback team {team} here from a community of the board, or "
                        "/feedback team {team} link there for a code to use in any chat."
                    ),
                    team=name,
                )
            )
            return
        place = Place(
            ctx.bot.name,
            ctx.bot.platform,
            event.community.id if event.community is not None else None,
            event.channel.id,
            event.channel.thread_id,
        )
        await store.set_team(scope, name, inbox=place, now=ctx.now)
        ctx.respond(
            tr(
                _("This chat is now the inbox of the team {team}: ideas routed to it arrive here."),
                team=name,
            )
        )
        return
    if action == "keywords":
        words = rules.clean_keywords([str(invocation.args.get("words") or "")])
        team = await store.set_team(feature._scope(ctx), name, keywords=words, now=ctx.now)
        if words:
            ctx.respond(
                tr(
                    _("New ideas mentioning {words} now go to the team {team}."),
                    words=", ".join(words),
                    team=team.name,
                )
            )
        else:
            ctx.respond(tr(_("The team {team} gets no ideas by keyword now."), team=team.name))
        return
    ctx.respond(
        tr(
            _(
                "Write /feedback team {team} here (this chat is its inbox), "
                "/feedback team {team} keywords billing, invoice, or /feedback team {team} link "
                "(a code making a chat of any other community its inbox)."
            ),
            team=name,
        )
    )


async def _link(feature: Feedback, name: str, ctx: Context) -> None:
    """A one-time code, told privately, that makes a chat anywhere the team's inbox."""
    tr, actor = ctx.tr, ctx.event.actor
    code = rules.new_code()
    by = f"{account_platform(ctx.event.platform)}:{actor.user_id}" if actor else "unknown"
    store = feature.store(ctx.tx)
    await store.add_team_code(
        rules.code_hash(code), feature._scope(ctx), name, by, ctx.now, ctx.now + rules.CODE_TTL
    )
    shown = rules.shown_code(code)
    privately(
        ctx,
        tr(
            _(
                "A one-time code for the team {team}'s inbox: {code}. In the team's chat, "
                "on any platform, a manager there sends /feedback team {team} here {code} "
                "within {minutes} minutes."
            ),
            team=name,
            code=shown,
            minutes=int(rules.CODE_TTL.total_seconds() // 60),
        ),
    )


async def _inbox_scope(feature: Feedback, ctx: Context) -> str | None:
    """The scope a team inbox made here serves: this community's board (or its space's).
    In a private chat there is none."""
    if ctx.event.community is None:
        return None
    return feature._scope(ctx)


async def route_command(feature: Feedback, invocation: Invocation, ctx: Context) -> None:
    tr = ctx.tr
    found = invocation.found["id"]
    assert isinstance(found, Idea)
    name = str(invocation.args.get("team") or "").strip().lower()
    store = feature.store(ctx.tx)
    teams = {t.name: t for t in await store.teams(found.scope)}
    team = teams.get(name)
    if team is None:
        known = ", ".join(sorted(teams)) or "—"
        ctx.respond(
            tr(
                _(
                    "There is no team {team} (teams: {known}). /feedback team {team} here makes "
                    "one."
                ),
                team=name[:32],
                known=known,
            )
        )
        return
    await store.route(found.id, team.name)
    idea = await store.get(found.id)
    assert idea is not None
    if team.inbox is not None and team.inbox.bot in ctx.bots:
        before = len(idea.posts)
        idea = await store.add_posts(idea, [team.inbox], team=True)
        await send_posts(idea, idea.posts[before:], ctx)
        ctx.respond(
            tr(_("Idea #{id} went to the team {team}'s inbox."), id=idea.id, team=team.name)
        )
        return
    ctx.respond(
        tr(
            _(
                "Idea #{id} is the team {team}'s now; the team has no inbox yet (/feedback team "
                "{team} here)."
            ),
            id=idea.id,
            team=team.name,
        )
    )


async def board_command(feature: Feedback, invocation: Invocation, ctx: Context) -> None:
    tr, event = ctx.tr, ctx.event
    if str(invocation.args.get("where") or "").lower() != "here":
        ctx.respond(tr(_("Send /feedback board here in the channel that is to be the board.")))
        return
    assert event.channel is not None
    place = Place(
        ctx.bot.name,
        ctx.bot.platform,
        ctx.community.id,
        event.channel.id,
        event.channel.thread_id,
    )
    await feature.store(ctx.tx).set_board(feature._scope(ctx), place, ctx.now)
    ctx.respond(
        tr(
            _(
                "This channel is now the feedback board: each new idea is posted here with a "
                "vote button."
            )
        )
    )


async def shipped_command(invocation: Invocation, ctx: Context) -> None:
    tr = ctx.tr
    state = str(invocation.args.get("state") or "").lower()
    if state not in ("on", "off"):
        ctx.respond(tr(_("Write /feedback shipped on or /feedback shipped off.")))
        return
    await ctx.update_settings(FeedbackSettings, shipped=state == "on")
    if state == "on":
        ctx.respond(tr(_('The monthly "you asked, we shipped" post is on.')))
    else:
        ctx.respond(tr(_('The monthly "you asked, we shipped" post is off.')))


async def post_shipped(feature: Feedback, event: JobDue, ctx: Context) -> None:
    """The monthly post on every board of the scope (when on), then next month's job."""
    scope = str(event.payload["scope"])
    community = event.payload.get("community")
    platform = str(event.payload.get("platform") or event.platform)
    store = feature.store(ctx.tx)
    on = True
    if community is not None:
        where = CommunityRef(account_platform(platform), str(community))
        on = (await ctx.settings(FeedbackSettings, where)).shipped
    start, end = rules.previous_month(ctx.now), rules.month_start(ctx.now)
    ideas = await store.shipped(scope, start, end) if on else []
    if ideas:
        for board in await store.boards(scope):
            if board.bot not in ctx.bots:
                continue
            tr = await ctx.translator_of(account_platform(board.platform), board.community_id)
            ctx.emit(
                SendMessage(
                    bot=board.bot,
                    channel=ChannelRef(board.channel_id, thread_id=board.thread_id),
                    text=render.shipped(ideas, start.strftime("%Y-%m"), tr),
                )
            )
    await ctx.tx.schedule(
        kind=SHIPPED_JOB,
        due_at=rules.next_month(ctx.now),
        platform=event.platform,
        bot=event.bot,
        payload=dict(event.payload),
        community_id=str(community) if community is not None else None,
        key=shipped_key(scope),
        now=ctx.now,
    )
