"""Ideas as GitHub issues, and issues closed on GitHub as ideas' statuses.

With ``[feedback.github]``, ``/feedback issue <id>`` (managers) opens a GitHub issue for an
idea of the caller's community or space: its title and text, its vote count and status,
and a link back to its board message. The command only writes a request row in its own
transaction (:class:`GithubStore`); the worker (:mod:`adapters.github.worker`) opens the
issue from it and hands the outcome back as :class:`~core.events.GithubIssueOpened` or
:class:`~core.events.GithubIssueRefused`, handled here: the request is marked and the
manager is told privately, with the issue's link. An idea gets one issue however often
it is asked for (a refused one may be asked for again).

GitHub's webhook (:mod:`web.github_hook`) enters as :class:`~core.events.GithubIssueClosed`
through the pipeline; here its delivery id is recorded (a replay changes nothing), and the
idea moves to done (closed as *completed*) or declined (*not planned*) through
:meth:`Feedback.apply_status` — the path ``/feedback status`` takes, so every backer is
told privately, once, on their own platform, and the change is audited as
``github:<login>`` with the issue's address as its note.

The idea's text is a member's words: in the issue it stands in a fenced code block (a fence
longer than any run of backticks in it), so it can neither become markup nor mention
anyone on GitHub; the title is plain text.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from townsquare.core.actions import SendDirect
from townsquare.core.commands import Invocation
from townsquare.core.events import GithubIssueClosed, GithubIssueOpened, GithubIssueRefused
from townsquare.core.features import Context, on, subcommand
from townsquare.core.feedback.rules import Status
from townsquare.core.feedback.store import FeedbackStore, Idea
from townsquare.core.i18n import _
from townsquare.core.persons import account_platform
from townsquare.core.refs import ChannelRef
from townsquare.core.text import TextLike, compose, link

if TYPE_CHECKING:
    from townsquare.core.feedback.status import Changed, Unchanged

PENDING, OPENED, FAILED = "pending", "opened", "failed"
TITLE_LENGTH = 80
BODY_TEXT = 60_000
"""GitHub takes 65,536 characters in a body; the rest of ours fits in what is left."""


@dataclass(frozen=True, slots=True)
class NewRequest:
    """What ``/feedback issue`` asks the worker to open."""

    idea_id: int
    idea_number: int
    repo: str
    marker: str
    title: str
    body: str
    platform: str
    bot: str
    community_id: str | None
    channel_id: str
    requested_by: str
    requested_by_name: str


@dataclass(frozen=True, slots=True)
class IssueRequest:
    """One idea's issue: to be opened (``pending``), ``opened`` (``number``, ``url``) or
    ``failed`` (GitHub refused it: ``last_error``)."""

    id: int
    idea_id: int
    idea_number: int
    repo: str
    marker: str
    title: str
    body: str
    platform: str
    bot: str
    community_id: str | None
    channel_id: str
    requested_by: str
    requested_by_name: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    number: int | None
    url: str | None
    created_at: datetime
    opened_at: datetime | None


class GithubStore(Protocol):
    """The requests and deliveries in the batch's transaction (``storage.github``)."""

    async def for_idea(self, idea_id: int) -> IssueRequest | None: ...

    async def get(self, request_id: int) -> IssueRequest | None: ...

    async def request(self, new: NewRequest, now: datetime) -> tuple[IssueRequest, bool]:
        """The idea's request and whether this call made it due (a new one, or one that
        failed asked again); an idea's pending or opened request is left alone."""
        ...

    async def opened(
        self, request_id: int, number: int, url: str, now: datetime
    ) -> IssueRequest | None:
        """Mark a pending request opened; None when it was not pending."""
        ...

    async def refused(self, request_id: int, error: str) -> IssueRequest | None: ...

    async def delivered(self, delivery_id: str, now: datetime) -> bool:
        """Record a webhook delivery; False when it was recorded before (a replay)."""
        ...


@dataclass(frozen=True, slots=True)
class GithubLink:
    """``[feedback.github]`` as the feature needs it."""

    repo: str
    store: Callable[[Any], GithubStore]


def new_marker() -> str:
    """The hidden comment that ties an issue to its request (see :mod:`adapters.github`)."""
    return f"<!-- townsquare-request: {secrets.token_hex(16)} -->"


def issue_title(idea: Idea) -> str:
    first = " ".join(idea.text.split())
    if len(first) <= TITLE_LENGTH:
        return first
    cut = first[:TITLE_LENGTH].rsplit(" ", 1)[0] or first[:TITLE_LENGTH]
    return cut.rstrip(".,;: ") + "…"


def permalink(idea: Idea) -> str | None:
    """A link to the idea's first board message, where the platform has one that needs
    no API call: Discord, and Telegram supergroups (``t.me/c/...``, for their members).
    Slack's needs ``chat.getPermalink``: none there."""
    for post in idea.posts:
        if post.message is None or post.key in idea.team_posts:
            continue
        platform = account_platform(post.platform)
        message = post.message.message_id
        if platform == "discord" and post.community_id:
            return f"https://discord.com/channels/{post.community_id}/{post.channel_id}/{message}"
        if platform == "telegram" and post.channel_id.startswith("-100"):
            return f"https://t.me/c/{post.channel_id[4:]}/{message}"
    return None


def _fenced(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def issue_body(idea: Idea, requester: str, marker: str) -> str:
    """The issue's body (English: it is read by the team on GitHub)."""
    votes = f"{idea.votes} vote" if idea.votes == 1 else f"{idea.votes} votes"
    back = permalink(idea)
    where = f"[idea #{idea.id}]({back})" if back else f"idea #{idea.id}"
    name = " ".join(requester.split())[:100].replace("`", "'")
    lines = [
        _fenced(idea.text[:BODY_TEXT]),
        "",
        f"**{votes}** · status: {idea.status.value} · {where} on townsquare, "
        f"sent to GitHub by `{name}`",
        "",
        "Closing this issue as *completed* marks the idea done, as *not planned* declined; "
        "everyone who backed it is told.",
        "",
        marker,
    ]
    return "\n".join(lines)


class GithubIssues:
    """The GitHub part of the feedback feature (a mixin of :class:`Feedback`)."""

    github: GithubLink | None = None
    store: Callable[[Any], FeedbackStore]
    """The feature's own store (:class:`Feedback`)."""

    def use_github(self, link: GithubLink | None) -> None:
        """Turn ``/feedback issue`` and the webhook on (the runtime does, from the config)."""
        self.github = link

    async def apply_status(
        self,
        ctx: Context,
        idea_id: int,
        status: Status,
        *,
        note: str | None = None,
        by: str,
        duplicate_of: int | None = None,
    ) -> Changed | Unchanged:
        raise NotImplementedError  # the feature's own (core.feedback.feature)

    @subcommand("feedback", "issue")
    async def open_issue(self, invocation: Invocation, ctx: Context) -> None:
        tr = ctx.tr
        found = invocation.found["id"]
        assert isinstance(found, Idea)
        if self.github is None:
            ctx.respond(tr(_("GitHub is not set up here: the operator adds [feedback.github].")))
            return
        store = self.github.store(ctx.tx)
        existing = await store.for_idea(found.id)
        if existing is not None and existing.state == OPENED:
            ctx.respond(
                compose(
                    tr(_("Idea #{id} already has GitHub issue {issue}.")),
                    id=str(found.id),
                    issue=link(f"#{existing.number}", existing.url or ""),
                )
            )
            return
        if existing is not None and existing.state == PENDING:
            ctx.respond(tr(_("The GitHub issue of idea #{id} is being opened."), id=found.id))
            return
        actor, event = ctx.event.actor, ctx.event
        assert actor is not None and event.channel is not None
        marker = existing.marker if existing is not None else new_marker()
        await store.request(
            NewRequest(
                idea_id=found.id,
                idea_number=found.id,
                repo=self.github.repo,
                marker=marker,
                title=issue_title(found),
                body=issue_body(found, actor.display_name, marker),
                platform=event.platform,
                bot=event.bot,
                community_id=event.community.id if event.community else None,
                channel_id=event.channel.id,
                requested_by=actor.user_id,
                requested_by_name=actor.display_name,
            ),
            ctx.now,
        )
        ctx.respond(
            tr(
                _("Opening a GitHub issue for idea #{id}; you will get its link privately."),
                id=found.id,
            )
        )

    @on(GithubIssueOpened)
    async def issue_opened(self, event: GithubIssueOpened, ctx: Context) -> None:
        if self.github is None:
            return
        request = await self.github.store(ctx.tx).opened(
            event.request_id, event.number, event.url, ctx.now
        )
        if request is not None:
            said = compose(
                ctx.tr(_("GitHub issue {issue} is open for idea #{id}.")),
                issue=link(f"#{event.number}", event.url),
                id=str(request.idea_number),
            )
            _tell(request, said, ctx)

    @on(GithubIssueRefused)
    async def issue_refused(self, event: GithubIssueRefused, ctx: Context) -> None:
        if self.github is None:
            return
        request = await self.github.store(ctx.tx).refused(event.request_id, event.reason)
        if request is not None:
            said = ctx.tr(
                _(
                    "GitHub refused the issue of idea #{id}: {reason}. Once the operator "
                    "fixes it, ask again with /feedback issue {id}."
                ),
                id=request.idea_number,
                reason=event.reason,
            )
            _tell(request, said, ctx)

    @on(GithubIssueClosed)
    async def issue_closed(self, event: GithubIssueClosed, ctx: Context) -> None:
        if self.github is None:
            return
        store = self.github.store(ctx.tx)
        if not await store.delivered(event.delivery_id, ctx.now):
            return  # a replay: the first delivery did what there was to do
        request = await store.get(event.request_id)
        if request is None or request.repo.lower() != event.repo.lower():
            return
        if request.state == PENDING:  # the webhook overtook the worker's own event
            await store.opened(request.id, event.number, event.url, ctx.now)
        status = closed_status(event.state_reason)
        idea = await self.store(ctx.tx).get(request.idea_id)
        if status is None or idea is None or idea.status is status:
            return  # closed again after a reopen, or moved there in the chat already
        login = re.sub(r"[^A-Za-z0-9-]", "", event.closed_by)[:39] or "unknown"
        await self.apply_status(
            ctx, request.idea_id, status, note=event.url or None, by=f"github:{login}"
        )


def closed_status(state_reason: str) -> Status | None:
    """The idea's status for an issue closed as ``state_reason``."""
    match state_reason:
        case "completed":
            return Status.DONE
        case "not_planned":
            return Status.DECLINED
        case _:
            return None


def _tell(request: IssueRequest, said: TextLike, ctx: Context) -> None:
    """Privately to the manager who asked (or, if the platform refuses, where they asked)."""
    ctx.emit(
        SendDirect(
            bot=request.bot,
            user_id=request.requested_by,
            display_name=request.requested_by_name,
            text=ctx.text(said),
            fallback_channel=ChannelRef(request.channel_id),
        )
    )
