"""Escalation: reports, cases in the managers' inbox, warnings, mutes and conflict signals.

* ``/report [reason]`` (a reply; Discord's and Slack's "Report to managers" menu arrives as
  the same command) opens a case for the replied-to message, or joins the existing one:
  one case and one inbox message per reported message, edited as reports accumulate. The
  reporter is answered privately (an ephemeral answer, else a direct message without a
  public fallback) and, on text platforms, the ``/report`` message is deleted so the
  offender does not see who reported them.
* The case message goes to the managers' inbox (:mod:`core.inbox`), which may be another
  bot on another platform; without an inbox the managers seen in the community get it
  privately. Claim / Resolve / Warn / Mute (/ Dismiss for detector signals) buttons and
  ``/case <id> ...`` commands change it; every change edits the message and is written to
  the audit log. Where the platform has forms, Resolve asks for the note, Warn for the
  reason and Mute for ``<duration> [reason]`` first. An unclaimed case is announced once
  more after a while (a durable job).
* ``/warn``, ``/mute``, ``/unmute`` (replies) run on the origin platform; warnings expire,
  and thresholds trigger automatic mutes or removals, announced with the reason.
* Detectors (:mod:`core.escalation.signals`) watch messages and reactions; a signal opens a
  case with evidence, and dismissing it is remembered for that message.

Managers act on members, never on other managers (only the owner may) nor on the owner.
People handling cases from an inbox on another platform must be managers there (platform
admins, or listed in ``[defaults] managers``).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Literal

from townsquare.core.actions import (
    MAX_FORM_TITLE,
    MAX_PLACEHOLDER,
    DeleteMessage,
    EditMessage,
    SendDirect,
    SendEphemeral,
    SendMessage,
)
from townsquare.core.capabilities import Capability
from townsquare.core.commands import CommandSpec, Invocation, Param
from townsquare.core.escalation.cards import audit_line, case_buttons, list_line, render_case
from townsquare.core.escalation.durations import format_duration, parse_duration
from townsquare.core.escalation.heat import HeatDetector
from townsquare.core.escalation.lexicon import LexiconDetector, assess
from townsquare.core.escalation.links import message_link
from townsquare.core.escalation.memory import RecentMessages
from townsquare.core.escalation.moderation import (
    Origin,
    Refused,
    audit,
    check_target,
    community_translator,
    moderate,
    same_community,
)
from townsquare.core.escalation.policy import (
    POLICY_KEYS,
    SETTING,
    EscalationPolicy,
    PolicyError,
)
from townsquare.core.escalation.signals import (
    Detector,
    ObservedMessage,
    ObservedReaction,
    Severity,
    Signal,
)
from townsquare.core.escalation.store import (
    Case,
    CaseFilter,
    CaseSource,
    CaseStatus,
    EscalationStore,
    LinkCode,
    NewCase,
    Reporter,
)
from townsquare.core.events import (
    ButtonPressed,
    CommandIssued,
    Event,
    JobDue,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
)
from townsquare.core.features import Context, Feature, command, job, on, resolves
from townsquare.core.i18n import Translator, _
from townsquare.core.inbox import managers_inbox, set_managers_inbox
from townsquare.core.refs import Actor, ChannelRef, CommunityRef, MessageRef
from townsquare.core.roles import Role, resolve_role
from townsquare.core.scope import IdRef, parse_id, shown_id
from townsquare.core.text import TextLike, as_text, bold, code, compose, lines, mention

log = logging.getLogger(__name__)

StoreFactory = Callable[[Any], EscalationStore]
REANNOUNCE_JOB = "escalation.reannounce"
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
UNREACHABLE_MANAGER = _(
    "{manager}, there is a new case for the managers, and I cannot write to you privately. "
    "Open a private chat with me to get cases there, or choose a managers' chat with "
    "/managers here."
)
"""Said in the chat, naming no one but the manager, when a case cannot reach them."""

CASE_ACTIONS = ("claim", "resolve", "reopen", "dismiss", "warn", "mute")
CASE_ID = IdRef("case", _("There is no case #{id}."))
"""A case named by id: found from its community, its managers' inbox, or by the managers
it was sent to privately (:meth:`Escalation.reaches`); from anywhere else it is unknown."""
MAX_REASON = 500
NOTE_MIN_LENGTH = 3
"""The shortest resolution note the Resolve form accepts ("ok" says nothing)."""
MUTE_MIN_LENGTH = 2
"""The shortest answer the Mute form accepts: a duration, ``5m``."""

REPORT_SPEC = CommandSpec(
    "report",
    _("Report a message to the managers (reply to it)"),
    params=(Param("reason", required=False, rest=True),),
    needs_reply=True,
)
MANAGERS_SPEC = CommandSpec(
    "managers",
    _("Show where managers receive reports"),
    role=Role.MANAGER,
    subcommands=(
        CommandSpec(
            "here",
            _("Make this chat the managers' inbox (with a code from /managers link)"),
            role=Role.MANAGER,
            params=(Param("code", required=False),),
        ),
        CommandSpec(
            "link",
            _("Get a one-time code to make another chat the managers' inbox"),
            role=Role.MANAGER,
        ),
    ),
)
CASES_SPEC = CommandSpec(
    "cases",
    _("List open cases (add 'all' for closed ones too)"),
    role=Role.MANAGER,
    params=(Param("which", required=False),),
)
CASE_SPEC = CommandSpec(
    "case",
    _("Show a case or claim | resolve <note> | reopen | warn | mute | dismiss it"),
    role=Role.MANAGER,
    params=(
        Param("id", ref=CASE_ID),
        Param("action", required=False),
        Param("note", required=False, rest=True),
    ),
)
WARN_SPEC = CommandSpec(
    "warn",
    _("Warn the author of a message (reply to it)"),
    role=Role.MANAGER,
    params=(Param("reason", required=False, rest=True),),
    needs_reply=True,
)
MUTE_SPEC = CommandSpec(
    "mute",
    _("Mute the author of a message, e.g. /mute 2h spam (reply to it)"),
    role=Role.MANAGER,
    params=(Param("duration"), Param("reason", required=False, rest=True)),
    needs_reply=True,
)
UNMUTE_SPEC = CommandSpec(
    "unmute",
    _("Let a muted member write again (reply to their message)"),
    role=Role.MANAGER,
    needs_reply=True,
)
WARNINGS_SPEC = CommandSpec(
    "warnings",
    _("Show a member's active warnings (reply to their message)"),
    role=Role.MANAGER,
    needs_reply=True,
)
ESCALATION_SPEC = CommandSpec(
    "escalation",
    _("Show the report, warning and case rules of this community"),
    role=Role.MANAGER,
    subcommands=(
        CommandSpec(
            "set",
            _(
                "Change a rule: report_limit, report_window, reannounce, warning_expiry, "
                "mute, thresholds"
            ),
            role=Role.MANAGER,
            params=(Param("key"), Param("value", rest=True)),
        ),
    ),
)


def _report_severity(reports: int) -> Severity:
    if reports >= 3:
        return Severity.HIGH
    return Severity.MEDIUM if reports == 2 else Severity.LOW


def _clean(reason: object) -> str | None:
    if not isinstance(reason, str) or not reason.strip():
        return None
    return reason.strip()[:MAX_REASON]


def _not_a_duration(tr: Translator, raw: str) -> str:
    """What ``/mute`` (and the Mute form) answers to a duration it cannot read."""
    return (
        tr(_("{value} is not a duration; try 30m, 2h or 1d."), value=raw)
        + f"\n{tr(_('Usage'))}: /mute <duration> [reason]"
    )


def _form_title(template: str, name: str) -> str:
    """``template`` (translated, with ``{member}``) naming ``name``, the name shortened
    with "…" so the title fits a form's title (Discord's 45 characters)."""
    room = MAX_FORM_TITLE - len(template.replace("{member}", ""))
    if len(name) > room:
        name = name[: max(room - 1, 1)].rstrip() + "…"
    return template.replace("{member}", name)[:MAX_FORM_TITLE]


def _notified_privately(case: Case, event: Event) -> bool:
    """``event`` comes from a private chat with the bot that sent ``case`` to its author
    privately (no managers' inbox): there, and only there, they may name the case. The
    same manager typing its id in another community's chat gets an unknown case."""
    actor, channel = event.actor, event.channel
    private = (channel is not None and channel.is_direct) or event.community is None
    return (
        private and actor is not None and event.bot == case.bot and actor.user_id in case.notified
    )


def _has_forms(ctx: Context, bot: str) -> bool:
    """The bot ``bot`` runs here on a platform with forms (its cards' Warn and Mute ask)."""
    info = ctx.bots.get(bot)
    return info is not None and Capability.FORMS in info.capabilities


class Escalation(Feature):
    name = "escalation"

    def __init__(
        self,
        store: StoreFactory,
        *,
        policy: EscalationPolicy | None = None,
        detectors: Sequence[Detector] | None = None,
        memory: RecentMessages | None = None,
    ) -> None:
        self.store = store
        self.policy = policy or EscalationPolicy()
        self.detectors: list[Detector] = (
            list(detectors) if detectors is not None else [LexiconDetector(), HeatDetector()]
        )
        self.memory = memory or RecentMessages()
        self._managers_seen: set[tuple[str, str, str]] = set()

    # -- shared helpers ---------------------------------------------------------------------

    async def _policy(self, ctx: Context, community: CommunityRef) -> EscalationPolicy:
        stored = (await ctx.tx.settings(community)).get(SETTING)
        return self.policy.with_overrides(stored if isinstance(stored, dict) else None)

    def _privately(
        self, ctx: Context, tr: Translator, text: TextLike, *, note_refusal: bool = True
    ) -> None:
        """Tell the caller something nobody else may see: an ephemeral answer where the
        platform has one for this interaction, else a direct message.

        Where the platform refuses the direct message (a Telegram member who never started
        the bot, closed Discord DMs), the chat gets a neutral note that names nobody and
        says nothing about reports or the message: the caller learns to open a private
        chat with the bot, the offender learns nothing."""
        event = ctx.event
        actor = event.actor
        if actor is None:
            return
        if ctx.interaction_id is not None and ctx.can(Capability.EPHEMERAL) and event.channel:
            ctx.emit(
                SendEphemeral(
                    bot=ctx.bot.name,
                    channel=event.channel,
                    user_id=actor.user_id,
                    display_name=actor.display_name,
                    text=as_text(text),
                    interaction_id=ctx.interaction_id,
                )
            )
        else:
            channel = event.channel
            public = note_refusal and channel is not None and not channel.is_direct
            ctx.emit(
                SendDirect(
                    bot=ctx.bot.name,
                    user_id=actor.user_id,
                    display_name=actor.display_name,
                    text=as_text(text),
                    fallback_channel=channel if public else None,
                    fallback_text=as_text(
                        tr(
                            _(
                                "I could not answer someone here privately. To get my "
                                "answers, open a private chat with me (press Start there), "
                                "then try again."
                            )
                        )
                    )
                    if public
                    else None,
                )
            )

    def _hide_command(self, ctx: Context) -> None:
        """Delete a typed ``/report`` (Telegram, console) so the offender cannot see it."""
        event = ctx.event
        if (
            isinstance(event, CommandIssued)
            and event.interaction_id is None
            and event.message is not None
            and ctx.can(Capability.DELETE)
        ):
            ctx.emit(DeleteMessage(bot=ctx.bot.name, message=event.message))

    def _author_of(self, bot: str, message: MessageRef | None) -> Actor | None:
        if message is None:
            return None
        remembered = self.memory.get(bot, message)
        return remembered.author if remembered else None

    async def _note_manager(self, ctx: Context) -> None:
        """Remember managers seen acting: they get cases privately when there is no inbox."""
        event = ctx.event
        actor, community = event.actor, event.community
        if actor is None or community is None or ctx.role < Role.MANAGER or actor.is_bot:
            return
        if event.channel is not None and event.channel.is_direct:
            return
        key = (community.platform, community.id, actor.user_id)
        if key in self._managers_seen:
            return
        await self.store(ctx.tx).remember_manager(community.platform, community.id, actor, ctx.now)
        ctx.after_commit(lambda: self._managers_seen.add(key))  # not if rolled back

    # -- cases: creation and publication ------------------------------------------------------

    async def _find_or_open(
        self,
        ctx: Context,
        store: EscalationStore,
        draft: NewCase,
    ) -> tuple[Case, bool]:
        assert draft.message_id is not None
        existing = await store.case_for_message(
            draft.platform, draft.community_id, draft.channel_id, draft.message_id
        )
        if existing is not None:
            return existing, False
        created = await store.create_case(draft, ctx.now)
        if created is not None:
            return created, True
        raced = await store.case_for_message(
            draft.platform, draft.community_id, draft.channel_id, draft.message_id
        )
        if raced is None:
            raise RuntimeError("case vanished while being opened")
        return raced, False

    def _draft(
        self,
        ctx: Context,
        community: CommunityRef,
        message: MessageRef,
        offender: Actor | None,
        snapshot: str,
        *,
        source: CaseSource,
        reason: str | None,
        severity: Severity,
        policy: EscalationPolicy,
        evidence: tuple[dict[str, Any], ...] = (),
    ) -> NewCase:
        channel = message.channel
        title = channel.title
        event_channel = ctx.event.channel
        if not title and event_channel is not None and event_channel.id == channel.id:
            title = event_channel.title
        role = (
            resolve_role(community.platform, offender, ctx.managers)
            if offender is not None
            else Role.MEMBER
        )
        return NewCase(
            platform=community.platform,
            bot=ctx.bot.name,
            community_id=community.id,
            community_title=community.title,
            channel_id=channel.id,
            channel_title=title,
            thread_id=channel.thread_id,
            message_id=message.message_id,
            snapshot=snapshot[: policy.snapshot_chars],
            link=message_link(community.platform, community.id, message, community.url),
            offender_id=offender.user_id if offender else None,
            offender_name=offender.display_name if offender else None,
            offender_role=role,
            source=source,
            reason=reason,
            severity=severity,
            evidence=evidence,
        )

    async def _publish(
        self, ctx: Context, store: EscalationStore, case: Case, *, new: bool
    ) -> Case:
        """Send a new case to the inbox (or managers privately), or edit every copy."""
        managers: list[Actor] = []
        if new:
            inbox = await managers_inbox(ctx, case.community)
            if inbox is not None:
                case = replace(
                    case,
                    inbox_bot=inbox.bot,
                    inbox_channel=inbox.channel.id,
                    inbox_thread=inbox.channel.thread_id,
                )
            else:
                managers = list(await store.known_managers(case.platform, case.community_id))[:5]
                case = replace(case, notified=tuple(manager.user_id for manager in managers))
            await store.save_case(case)
        tr = await community_translator(ctx, case.community)
        text = as_text(render_case(case, await store.reporters(case.id), tr))
        inbox_channel = case.inbox_channel_ref
        if case.inbox_bot is not None and case.inbox_bot in ctx.bots and inbox_channel:
            buttons = case_buttons(case, tr, forms=_has_forms(ctx, case.inbox_bot))
            if new:
                ctx.emit(
                    SendMessage(
                        bot=case.inbox_bot,
                        channel=inbox_channel,
                        text=text,
                        buttons=buttons,
                        key=case.key,
                    )
                )
            else:
                ctx.emit(EditMessage(bot=case.inbox_bot, key=case.key, text=text, buttons=buttons))
        buttons = case_buttons(case, tr, forms=_has_forms(ctx, case.bot))
        for user_id in case.notified:
            key = f"{case.key}:dm:{user_id}"
            if new:
                manager = next(m for m in managers if m.user_id == user_id)
                ctx.emit(
                    SendDirect(
                        bot=case.bot,
                        user_id=user_id,
                        display_name=manager.display_name,
                        text=text,
                        buttons=buttons,
                        key=key,
                        # A manager the platform will not message privately (a Telegram
                        # admin who never started the bot) is called in the chat instead,
                        # with nothing about the case, rather than the case reaching nobody.
                        fallback_channel=case.channel,
                        fallback_text=compose(
                            tr(UNREACHABLE_MANAGER),
                            manager=mention(user_id, manager.display_name),
                        ),
                    )
                )
            else:
                ctx.emit(EditMessage(bot=case.bot, key=key, text=text, buttons=buttons))
        return case

    async def _schedule_reannounce(
        self, ctx: Context, case: Case, policy: EscalationPolicy
    ) -> None:
        """One job per case, never cancelled: when it fires it does nothing unless the case
        is still open and unclaimed, which is simpler than cancelling it on every claim."""
        await ctx.tx.schedule(
            kind=REANNOUNCE_JOB,
            due_at=ctx.now + policy.reannounce_after,
            platform=case.platform,
            bot=case.bot,
            payload={"case": case.id, "after": policy.reannounce_after.total_seconds()},
            community_id=case.community_id,
            channel_id=case.channel_id,
            key=f"{REANNOUNCE_JOB}:{case.id}",
            now=ctx.now,
        )

    # -- observing the conversation ---------------------------------------------------------

    @on(CommandIssued)
    async def commanded(self, event: CommandIssued, ctx: Context) -> None:
        await self._note_manager(ctx)

    @on(MessagePosted)
    async def posted(self, event: MessagePosted, ctx: Context) -> None:
        author, community = event.actor, event.community
        if author is None or community is None:
            return
        replied = event.reply_to_author or self._author_of(event.bot, event.reply_to)
        self.memory.remember(event.bot, event.message, author, event.text, replied)
        await self._note_manager(ctx)
        if author.is_bot:
            return
        observed = ObservedMessage(
            community=f"{community.platform}:{community.id}",
            message=event.message,
            author=author,
            text=event.text,
            at=event.occurred_at,
            reply_to_author=replied,
        )
        await self._run_detectors(ctx, observed=observed, snapshot=event.text)

    @on(MessageEdited)
    async def edited(self, event: MessageEdited, ctx: Context) -> None:
        author, community = event.actor, event.community
        if author is None or community is None or author.is_bot:
            return
        remembered = self.memory.edited(event.bot, event.message, event.text)
        observed = ObservedMessage(
            community=f"{community.platform}:{community.id}",
            message=event.message,
            author=author,
            text=event.text,
            at=event.occurred_at,
            reply_to_author=remembered.reply_to_author if remembered else None,
        )
        await self._run_detectors(ctx, observed=observed, snapshot=event.text)

    @on(ReactionAdded)
    async def reacted(self, event: ReactionAdded, ctx: Context) -> None:
        reactor, community = event.actor, event.community
        if reactor is None or community is None:
            return
        remembered = self.memory.get(event.bot, event.message)
        author = event.message_author or (remembered.author if remembered else None)
        observed = ObservedReaction(
            community=f"{community.platform}:{community.id}",
            message=event.message,
            reactor=reactor,
            emoji=event.emoji,
            at=event.occurred_at,
            message_author=author,
        )
        await self._run_detectors(
            ctx, reaction=observed, snapshot=remembered.text if remembered else ""
        )

    async def _run_detectors(
        self,
        ctx: Context,
        *,
        observed: ObservedMessage | None = None,
        reaction: ObservedReaction | None = None,
        snapshot: str,
    ) -> None:
        for detector in self.detectors:
            try:
                if observed is not None:
                    signals = list(detector.on_message(observed))
                elif reaction is not None:
                    signals = list(detector.on_reaction(reaction))
                else:
                    signals = []
            except Exception:
                log.exception("detector %s failed on %s", detector.name, ctx.event.event_id)
                continue
            for signal in signals:
                await self._signal(ctx, signal, snapshot)

    async def _signal(self, ctx: Context, signal: Signal, snapshot: str) -> None:
        community = ctx.event.community
        if community is None:
            return
        offender = signal.offender or self._author_of(ctx.bot.name, signal.message)
        if offender is not None and (
            offender.is_bot
            or resolve_role(community.platform, offender, ctx.managers) > Role.MEMBER
        ):
            return  # managers' own messages are not flagged; bots are not members
        store = self.store(ctx.tx)
        policy = await self._policy(ctx, community)
        item: dict[str, Any] = {
            "detector": signal.detector,
            "kind": signal.kind,
            "severity": int(signal.severity),
            "evidence": signal.evidence,
            "values": dict(signal.values),
        }
        draft = self._draft(
            ctx,
            community,
            signal.message,
            offender,
            snapshot,
            source=CaseSource.SIGNAL,
            reason=None,
            severity=signal.severity,
            policy=policy,
            evidence=(item,),
        )
        case, created = await self._find_or_open(ctx, store, draft)
        detector = Actor(f"detector:{signal.detector}", signal.detector, is_bot=True)
        if created:
            await audit(store, ctx, case, detector, "signal", note=signal.kind)
            await self._publish(ctx, store, case, new=True)
            await self._schedule_reannounce(ctx, case, policy)
            return
        # A dismissed (or resolved) case is how a false positive stays dismissed.
        if case.status.closed or any(e.get("kind") == signal.kind for e in case.evidence):
            return
        case = replace(
            case,
            evidence=(*case.evidence, item),
            severity=max(case.severity, signal.severity),
            updated_at=ctx.now,
        )
        await store.save_case(case)
        await audit(store, ctx, case, detector, "signal", note=signal.kind)
        await self._publish(ctx, store, case, new=False)

    # -- reports ----------------------------------------------------------------------------

    @command(REPORT_SPEC)
    async def report(self, invocation: Invocation, ctx: Context) -> None:
        event = ctx.event
        assert isinstance(event, CommandIssued)
        tr = await ctx.translator()
        reporter, community, target = event.actor, event.community, event.reply_to
        if reporter is None or community is None or target is None:
            self._privately(ctx, tr, tr(_("Reports work as a reply to a message in a community.")))
            return
        self._hide_command(ctx)
        remembered = self.memory.get(event.bot, target)
        offender = event.reply_to_author or (remembered.author if remembered else None)
        snapshot = event.reply_to_text
        if snapshot is None:
            snapshot = remembered.text if remembered else ""
        if offender is not None and offender.user_id == reporter.user_id:
            self._privately(ctx, tr, tr(_("You cannot report your own message.")))
            return
        store = self.store(ctx.tx)
        policy = await self._policy(ctx, community)
        since = ctx.now - policy.report_window
        recent = await store.reports_since(
            community.platform, community.id, reporter.user_id, since
        )
        if recent >= policy.report_limit:
            self._privately(
                ctx,
                tr,
                tr.plural(
                    _("You sent {n} report in the last {window}; please wait a little."),
                    _("You sent {n} reports in the last {window}; please wait a little."),
                    recent,
                    window=format_duration(policy.report_window),
                ),
            )
            return
        reason = _clean(invocation.args.get("reason"))
        draft = self._draft(
            ctx,
            community,
            target,
            offender,
            snapshot,
            source=CaseSource.REPORT,
            reason=reason,
            severity=Severity.LOW,
            policy=policy,
        )
        case, created = await self._find_or_open(ctx, store, draft)
        added = await store.add_reporter(
            case,
            Reporter(reporter.user_id, reporter.display_name, reason, ctx.now),
            platform=community.platform,
            community_id=community.id,
        )
        if not added:
            self._privately(
                ctx,
                tr,
                tr(_("You already reported this message (case #{id}). Thank you!"), id=case.id),
            )
            return
        was_resolved = case.status is CaseStatus.RESOLVED
        text_severity = assess(snapshot, is_reply=True).severity or Severity.LOW
        case = replace(
            case,
            report_count=case.report_count + 1,
            severity=max(case.severity, _report_severity(case.report_count + 1), text_severity),
            reason=case.reason or reason,
            updated_at=ctx.now,
        )
        if case.status is CaseStatus.DISMISSED:  # a person reports what a detector missed
            case = replace(case, status=CaseStatus.OPEN, claimed_by_id=None, claimed_by_name=None)
            await audit(store, ctx, case, reporter, "reopened")
        await store.save_case(case)
        await audit(store, ctx, case, reporter, "reported", target=case.offender_id, note=reason)
        case = await self._publish(ctx, store, case, new=created)
        if created:
            await self._schedule_reannounce(ctx, case, policy)
        if was_resolved:
            answer = tr(
                _("Thank you. Managers already reviewed this message (case #{id})."), id=case.id
            )
        elif case.inbox_bot is not None or case.notified:
            answer = tr(_("Thank you, the managers have your report (case #{id})."), id=case.id)
        else:
            answer = tr(
                _(
                    "Thank you, your report is recorded (case #{id}). This community has no "
                    "managers' inbox yet; managers can set one with /managers here."
                ),
                id=case.id,
            )
        self._privately(ctx, tr, answer)

    # -- the managers' inbox ------------------------------------------------------------------

    @command(MANAGERS_SPEC)
    async def managers(self, invocation: Invocation, ctx: Context) -> None:
        tr = await ctx.translator()
        event = ctx.event
        sub = invocation.path[1] if len(invocation.path) > 1 else None
        if sub == "link":
            await self._link(ctx, tr)
            return
        if sub == "here":
            code_value = invocation.args.get("code")
            if isinstance(code_value, str) and code_value:
                await self._here_with_code(ctx, tr, code_value.strip().upper())
                return
            community, channel = event.community, event.channel
            if community is None or channel is None or channel.is_direct:
                ctx.respond(
                    tr(
                        _(
                            "Send /managers link in the community first, then "
                            "/managers here CODE in this chat."
                        )
                    )
                )
                return
            await set_managers_inbox(ctx, community, ctx.bot.name, channel)
            store = self.store(ctx.tx)
            if event.actor is not None:
                await audit(
                    store, ctx, None, event.actor, "inbox", community=community, note=channel.id
                )
            ctx.respond(
                tr(
                    _("This chat is now the managers' inbox of {community}."),
                    community=community.title or community.id,
                )
            )
            return
        community = event.community
        inbox = await managers_inbox(ctx) if community is not None else None
        if inbox is None:
            ctx.respond(
                tr(
                    _(
                        "No managers' inbox yet: managers get cases privately. Send "
                        "/managers here in the chat that should receive them."
                    )
                )
            )
            return
        platform = ctx.bots[inbox.bot].platform
        ctx.respond(
            tr(
                _("The managers' inbox is chat {channel} of bot {bot} ({platform})."),
                channel=inbox.channel.id,
                bot=inbox.bot,
                platform=platform,
            )
        )

    async def _link(self, ctx: Context, tr: Translator) -> None:
        event = ctx.event
        community, channel, actor = event.community, event.channel, event.actor
        if community is None or channel is None or actor is None or channel.is_direct:
            ctx.respond(tr(_("Send /managers link in the community's chat.")))
            return
        policy = await self._policy(ctx, community)
        value = "".join(secrets.choice(CODE_ALPHABET) for _index in range(8))
        await self.store(ctx.tx).create_link_code(
            LinkCode(
                code=value,
                platform=community.platform,
                bot=ctx.bot.name,
                community_id=community.id,
                community_title=community.title,
                channel_id=channel.id,
                thread_id=channel.thread_id,
                created_by=actor.user_id,
                expires_at=ctx.now + policy.link_code_ttl,
            ),
            ctx.now,
        )
        minutes = max(1, int(policy.link_code_ttl.total_seconds() // 60))
        self._privately(
            ctx,
            tr,
            compose(
                tr(
                    _(
                        "Send {command} in the chat (on any platform) that should receive "
                        "the reports of {community}. The code works once, for {minutes} min."
                    )
                ),
                command=code(f"/managers here {value}"),
                community=community.title or community.id,
                minutes=str(minutes),
            ),
            note_refusal=False,  # the reply below already says what to do
        )
        if not (ctx.interaction_id is not None and ctx.can(Capability.EPHEMERAL)):
            ctx.reply(
                tr(
                    _(
                        "I sent you a one-time code privately. Nothing arrived? Start a "
                        "private chat with me first, then send /managers link again."
                    )
                )
            )

    async def _here_with_code(self, ctx: Context, tr: Translator, value: str) -> None:
        event = ctx.event
        channel, actor = event.channel, event.actor
        if channel is None or actor is None:
            return
        store = self.store(ctx.tx)
        found = await store.take_link_code(value, ctx.now)
        if found is None:
            ctx.respond(
                tr(
                    _(
                        "This code is unknown, used or expired. Send /managers link in the "
                        "community again."
                    )
                )
            )
            return
        origin = CommunityRef(found.platform, found.community_id, title=found.community_title)
        await set_managers_inbox(ctx, origin, ctx.bot.name, channel)
        await audit(
            store, ctx, None, actor, "inbox", community=origin, note=f"{ctx.bot.name}:{channel.id}"
        )
        name = found.community_title or found.community_id
        ctx.respond(tr(_("This chat is now the managers' inbox of {community}."), community=name))
        if found.bot in ctx.bots:
            origin_tr = await community_translator(ctx, origin)
            ctx.emit(
                SendMessage(
                    bot=found.bot,
                    channel=ChannelRef(found.channel_id, thread_id=found.thread_id),
                    text=compose(
                        origin_tr(
                            _(
                                "{manager} linked a managers' inbox for this community "
                                "({platform}); reports now go there."
                            )
                        ),
                        manager=bold(actor.display_name),
                        platform=ctx.bot.platform,
                    ),
                )
            )

    # -- handling cases -------------------------------------------------------------------------

    @command(CASES_SPEC)
    async def cases(self, invocation: Invocation, ctx: Context) -> None:
        tr = await ctx.translator()
        event = ctx.event
        which = invocation.args.get("which")
        statuses = list(CaseStatus) if which == "all" else [CaseStatus.OPEN, CaseStatus.CLAIMED]
        where = CaseFilter(
            platform=event.community.platform if event.community else None,
            community_id=event.community.id if event.community else None,
            inbox_bot=ctx.bot.name if event.channel else None,
            inbox_channel=event.channel.id if event.channel else None,
            statuses=statuses,
        )
        found = await self.store(ctx.tx).cases(where)
        if not found:
            ctx.respond(tr(_("No open cases.")))
            return
        ctx.respond(
            lines(
                bold(tr(_("Cases:"))),
                *(list_line(case, tr) for case in found),
                tr(_("Show one with /case <id>.")),
            )
        )

    @command(CASE_SPEC)
    async def case(self, invocation: Invocation, ctx: Context) -> None:
        tr = await ctx.translator()
        found = invocation.found["id"]
        assert isinstance(found, Case)
        given = invocation.args.get("action")
        action = given.lower() if isinstance(given, str) else None
        note = _clean(invocation.args.get("note"))
        if action is not None and action not in CASE_ACTIONS:
            ctx.respond(
                tr(
                    _("Unknown action {action}; use one of: {actions}."),
                    action=action,
                    actions=", ".join(CASE_ACTIONS),
                )
            )
            return
        try:
            result = await self._act(ctx, found.id, action, note)
        except Refused as refusal:
            result = refusal.text
        ctx.respond(result)

    @on(ButtonPressed)
    async def pressed(self, event: ButtonPressed, ctx: Context) -> None:
        parts = event.data.split(":")
        if len(parts) != 3 or parts[0] != "case":
            return
        tr = await ctx.translator()
        action = parts[2]
        if action not in CASE_ACTIONS:
            ctx.answer()
            return
        case_id = parse_id(parts[1]) if parts[1].isascii() and parts[1].isdigit() else None
        case = await self.find(CASE_ID, case_id, ctx) if case_id is not None else None
        if case is None or not self._pressed_here(case, event):
            ctx.answer(tr(CASE_ID.unknown, id=shown_id(parts[1])), alert=True)
            return
        try:
            if action == "resolve":
                result = await self._resolve_pressed(event, ctx, case.id, tr)
                if result is None:
                    return
            elif action in ("warn", "mute"):
                result = await self._moderation_pressed(event, ctx, case.id, action, tr)
                if result is None:
                    return
            else:
                result = await self._act(ctx, case.id, action, None)
        except Refused as refusal:
            ctx.answer(refusal.text.plain()[:190], alert=True)
            return
        ctx.answer(as_text(result).plain()[:190])

    async def _resolve_pressed(
        self, event: ButtonPressed, ctx: Context, case_id: int, tr: Translator
    ) -> TextLike | None:
        """The Resolve button: resolving needs a note, so a press asks for it in a form
        (Discord and Slack modals; elsewhere the hint says which command to type). The
        submitted form comes back as a press with ``text`` and resolves the case exactly
        as ``/case <id> resolve <note>`` does. The submitter is authorized again: a form is
        no permission (rights may change while it is open, and a submission is only as
        trustworthy as a press). None: answered already."""
        case = await self._case_for_actor(ctx, case_id, tr)
        await self._authorize(ctx, case, tr)
        hint = tr(_("Resolving needs a note: send /case {id} resolve <note>"), id=case.id)
        if event.text is None:
            if case.status.closed:
                raise Refused(tr(_("Case #{id} is already closed."), id=case.id))
            ctx.ask_text(
                title=tr(_("Resolve case #{id}"), id=case.id)[:MAX_FORM_TITLE],
                label=tr(_("Resolution note"))[:MAX_FORM_TITLE],
                placeholder=tr(_("What was done, for the case's history"))[:MAX_PLACEHOLDER],
                submit=tr(_("Resolve")),
                min_length=NOTE_MIN_LENGTH,
                max_length=MAX_REASON,
                fallback_text=hint,
            )
            return None
        note = _clean(event.text)
        if note is None:
            raise Refused(hint)
        return await self._act(ctx, case.id, "resolve", note)

    async def _moderation_pressed(
        self, event: ButtonPressed, ctx: Context, case_id: int, action: str, tr: Translator
    ) -> TextLike | None:
        """The Warn and Mute buttons. Where the bot handling the press has forms
        (Discord and Slack modals) a press asks first, as Carl-bot and Modmail do: Warn
        for an optional reason the member is told (empty: the case's reasons, as the
        button gives without forms), Mute for ``<duration> [reason]`` read like ``/mute``
        (a bad duration is refused and nothing happens). The submission comes back as a
        press with ``text`` and is authorized again (a form is no permission). Without
        forms (Telegram, the console) a press acts at once with the defaults. None:
        answered already."""
        if event.text is None and not ctx.can(Capability.FORMS):
            return await self._act(ctx, case_id, action, None)
        case = await self._case_for_actor(ctx, case_id, tr)
        role = await self._authorize(ctx, case, tr)
        offender = case.offender
        if offender is None:  # refused by _act, which says why
            return await self._act(ctx, case.id, action, None)
        check_target(tr, offender, case.offender_role, role)
        if event.text is None:
            name = case.offender_name or offender.display_name
            if action == "warn":
                ctx.ask_text(
                    title=_form_title(tr(_("Warn {member}"), member="{member}"), name),
                    label=tr(_("Reason (the member is told)"))[:MAX_FORM_TITLE],
                    placeholder=tr(_("Leave empty to give the case's reasons"))[:MAX_PLACEHOLDER],
                    submit=tr(_("Warn")),
                    min_length=0,
                    max_length=MAX_REASON,
                    fallback_text=tr(_("Warn with /case {id} warn [reason]"), id=case.id),
                )
            else:
                ctx.ask_text(
                    title=_form_title(tr(_("Mute {member}"), member="{member}"), name),
                    label=tr(_("Duration and reason, e.g. 2h spam"))[:MAX_FORM_TITLE],
                    submit=tr(_("Mute")),
                    min_length=MUTE_MIN_LENGTH,
                    max_length=MAX_REASON,
                    fallback_text=tr(
                        _("Mute with /case {id} mute <duration> [reason]"), id=case.id
                    ),
                )
            return None
        note = _clean(event.text)
        if action == "mute":
            words = (note or "").split(maxsplit=1)
            raw = words[0] if words else ""
            if parse_duration(raw) is None:
                raise Refused(_not_a_duration(tr, raw))
            note = " ".join(words)
        return await self._act(ctx, case.id, action, note)

    async def _case_for_actor(self, ctx: Context, case_id: int, tr: Translator) -> Case:
        case = await self.find(CASE_ID, case_id, ctx)
        if case is None:
            raise Refused(tr(CASE_ID.unknown, id=case_id))
        assert isinstance(case, Case)
        return case

    @resolves(CASE_ID)
    async def _case(self, case_id: int, ctx: Context) -> Case | None:
        return await self.store(ctx.tx).case(case_id)

    async def reaches(self, ref: IdRef, thing: Any, ctx: Context) -> bool:
        """A case is also named from its managers' inbox (which may be another bot on
        another platform) and by the managers it was sent to privately."""
        if not isinstance(thing, Case):
            return False
        event = ctx.event
        if _notified_privately(thing, event):
            return True
        channel = event.channel
        if channel is None:
            return False
        if thing.inbox_bot == event.bot and thing.inbox_channel == channel.id:
            return True
        inbox = await managers_inbox(ctx, thing.community)
        return inbox is not None and inbox.bot == event.bot and inbox.channel.id == channel.id

    @staticmethod
    def _pressed_here(case: Case, event: ButtonPressed) -> bool:
        """Case buttons are sent in the case's inbox and to the managers it was sent to
        privately, nowhere else: a case payload pressed in any other chat (forged, or
        copied from a card) is an unknown case. (Re-announcements are posted without an
        outbox key, so the binding is to those chats rather than to one message.)"""
        channel = event.channel
        if _notified_privately(case, event):
            return True
        return (
            channel is not None and case.inbox_bot == event.bot and case.inbox_channel == channel.id
        )

    async def _authorize(self, ctx: Context, case: Case, tr: Translator) -> Role:
        """The caller's role for this case, or Refused.

        Allowed: managers of the case's community, managers acting in the case's inbox
        (which may be on another platform), and the managers it was sent to privately.
        Owner rights (acting on other managers) count only inside the case's own
        community: owning the Slack workspace that holds the inbox, or being named in a
        private copy, is not owning the Telegram group the case is about.
        """
        event = ctx.event
        actor = event.actor
        if actor is None:
            raise Refused(tr(_("Only managers can handle cases.")))
        role = ctx.role
        notified = event.bot == case.bot and actor.user_id in case.notified
        if notified:
            role = max(role, Role.MANAGER)
        if role < Role.MANAGER:
            raise Refused(tr(_("Only managers can handle cases.")))
        if same_community(event.community, case.platform, case.community_id):
            return role
        role = min(role, Role.MANAGER)
        if notified:
            return role
        channel = event.channel
        if channel is not None:
            if case.inbox_bot == event.bot and case.inbox_channel == channel.id:
                return role
            inbox = await managers_inbox(ctx, case.community)
            if inbox is not None and inbox.bot == event.bot and inbox.channel.id == channel.id:
                return role
        raise Refused(tr(_("Case #{id} belongs to another community."), id=case.id))

    async def _act(
        self, ctx: Context, case_id: int, action: str | None, note: str | None
    ) -> TextLike:
        tr = await ctx.translator()
        store = self.store(ctx.tx)
        case = await self._case_for_actor(ctx, case_id, tr)
        role = await self._authorize(ctx, case, tr)
        actor = ctx.event.actor
        assert actor is not None
        if action is None:
            origin_tr = await community_translator(ctx, case.community)
            history = await store.audit_log(case.id)
            return lines(
                render_case(case, await store.reporters(case.id), origin_tr),
                "",
                bold(tr(_("History:"))),
                *(audit_line(entry, tr) for entry in history),
            )
        if action == "claim":
            if case.status.closed:
                raise Refused(
                    tr(_("Case #{id} is closed; reopen it with /case {id} reopen."), id=case.id)
                )
            if case.status is CaseStatus.CLAIMED:
                if case.claimed_by_id == actor.user_id:
                    return tr(_("You already handle case #{id}."), id=case.id)
                raise Refused(
                    tr(
                        _("Case #{id} is already claimed by {manager}."),
                        id=case.id,
                        manager=case.claimed_by_name or "?",
                    )
                )
            case = self._claimed(case, actor, ctx.now)
            await self._changed(ctx, store, case, actor, "claimed")
            return tr(_("You claimed case #{id}."), id=case.id)
        if action == "resolve":
            if not note:
                raise Refused(
                    tr(_("Resolving needs a note: send /case {id} resolve <note>"), id=case.id)
                )
            if case.status.closed:
                raise Refused(tr(_("Case #{id} is already closed."), id=case.id))
            case = replace(
                case,
                status=CaseStatus.RESOLVED,
                resolution=note,
                claimed_by_id=actor.user_id,
                claimed_by_name=actor.display_name,
                closed_at=ctx.now,
                updated_at=ctx.now,
            )
            await self._changed(ctx, store, case, actor, "resolved", note=note)
            await self._thank_reporters(ctx, store, case)
            return tr(_("Case #{id} resolved."), id=case.id)
        if action == "reopen":
            if not case.status.closed:
                raise Refused(tr(_("Case #{id} is not closed."), id=case.id))
            case = replace(
                case,
                status=CaseStatus.OPEN,
                resolution=None,
                claimed_by_id=None,
                claimed_by_name=None,
                closed_at=None,
                updated_at=ctx.now,
            )
            await self._changed(ctx, store, case, actor, "reopened", note=note)
            return tr(_("Case #{id} is open again."), id=case.id)
        if action == "dismiss":
            if case.status.closed:
                raise Refused(tr(_("Case #{id} is already closed."), id=case.id))
            case = replace(
                case,
                status=CaseStatus.DISMISSED,
                claimed_by_id=actor.user_id,
                claimed_by_name=actor.display_name,
                closed_at=ctx.now,
                updated_at=ctx.now,
            )
            await self._changed(ctx, store, case, actor, "dismissed", note=note)
            return tr(
                _("Case #{id} dismissed; signals about that message will be ignored."),
                id=case.id,
            )
        # warn / mute the case's offender, on the origin platform
        offender = case.offender
        if offender is None:
            raise Refused(
                tr(
                    _("Case #{id} has no known author; reply to their message with /{command}."),
                    id=case.id,
                    command=action,
                )
            )
        duration: timedelta | None = None
        reason = note
        if action == "mute" and note:
            first, *rest = note.split(maxsplit=1)
            duration = parse_duration(first)
            if duration is not None:
                reason = rest[0].strip() if rest else None
        policy = await self._policy(ctx, case.community)
        origin = Origin(case.bot, case.community, case.channel)
        if case.bot not in ctx.bots:
            raise Refused(tr(_("Bot {bot} is not running here."), bot=case.bot))
        result = await moderate(
            ctx,
            store,
            policy,
            kind="warn" if action == "warn" else "mute",
            origin=origin,
            target=offender,
            target_role=case.offender_role,
            actor=actor,
            actor_role=role,
            reason=reason or case.reason or tr(_("case #{id}"), id=case.id),
            duration=duration,
            case=case,
        )
        if case.status is CaseStatus.OPEN:
            case = self._claimed(case, actor, ctx.now)
            await store.save_case(case)
        await self._publish(ctx, store, case, new=False)
        return result

    @staticmethod
    def _claimed(case: Case, actor: Actor, now: datetime) -> Case:
        return replace(
            case,
            status=CaseStatus.CLAIMED,
            claimed_by_id=actor.user_id,
            claimed_by_name=actor.display_name,
            updated_at=now,
        )

    async def _changed(
        self,
        ctx: Context,
        store: EscalationStore,
        case: Case,
        actor: Actor,
        action: str,
        *,
        note: str | None = None,
    ) -> None:
        await store.save_case(case)
        await audit(store, ctx, case, actor, action, target=case.offender_id, note=note)
        await self._publish(ctx, store, case, new=False)

    async def _thank_reporters(self, ctx: Context, store: EscalationStore, case: Case) -> None:
        """Reporters learn their report was handled (not how: that stays with managers)."""
        if case.bot not in ctx.bots:
            return
        tr = await community_translator(ctx, case.community)
        text = tr(
            _("Managers reviewed the message you reported in {community}. Thank you!"),
            community=case.community_title or case.community_id,
        )
        for reporter in (await store.reporters(case.id))[:20]:
            ctx.emit(
                SendDirect(
                    bot=case.bot,
                    user_id=reporter.user_id,
                    display_name=reporter.display_name,
                    text=as_text(text),
                )
            )

    @job(REANNOUNCE_JOB)
    async def reannounce(self, event: JobDue, ctx: Context) -> None:
        store = self.store(ctx.tx)
        case = await store.case(int(event.payload.get("case", 0)))
        if case is None or case.status is not CaseStatus.OPEN or case.reannounced_at is not None:
            return
        tr = await community_translator(ctx, case.community)
        after = timedelta(seconds=float(event.payload.get("after", 0)))
        text = lines(
            bold(tr(_("Still unclaimed after {duration}:"), duration=format_duration(after))),
            render_case(case, await store.reporters(case.id), tr),
        )
        inbox_channel = case.inbox_channel_ref
        if case.inbox_bot in ctx.bots and case.inbox_bot is not None and inbox_channel:
            buttons = case_buttons(case, tr, forms=_has_forms(ctx, case.inbox_bot))
            ctx.emit(
                SendMessage(bot=case.inbox_bot, channel=inbox_channel, text=text, buttons=buttons)
            )
        elif case.notified:
            buttons = case_buttons(case, tr, forms=_has_forms(ctx, case.bot))
            for manager in await store.known_managers(case.platform, case.community_id):
                if manager.user_id in case.notified:
                    ctx.emit(
                        SendDirect(
                            bot=case.bot,
                            user_id=manager.user_id,
                            display_name=manager.display_name,
                            text=text,
                            buttons=buttons,
                        )
                    )
        else:
            return
        case = replace(case, reannounced_at=ctx.now)
        await store.save_case(case)
        bot = Actor(f"bot:{ctx.bot.name}", ctx.bot.name, is_bot=True)
        await audit(store, ctx, case, bot, "reannounced")

    # -- moderation -------------------------------------------------------------------------------

    def _target(self, ctx: Context) -> Actor | None:
        event = ctx.event
        assert isinstance(event, CommandIssued)
        return event.reply_to_author or self._author_of(event.bot, event.reply_to)

    async def _reply_moderation(
        self,
        ctx: Context,
        kind: Literal["warn", "mute", "unmute"],
        reason: str | None,
        duration: timedelta | None = None,
    ) -> None:
        event = ctx.event
        assert isinstance(event, CommandIssued)
        tr = await ctx.translator()
        target, actor = self._target(ctx), event.actor
        community, channel = event.community, event.channel
        if community is None or channel is None or actor is None:
            ctx.respond(tr(_("Use this in a community chat.")))
            return
        if target is None:
            ctx.respond(tr(_("I do not know who wrote that message; reply to a newer one.")))
            return
        store = self.store(ctx.tx)
        policy = await self._policy(ctx, community)
        case = None
        if event.reply_to is not None:
            case = await store.case_for_message(
                community.platform,
                community.id,
                event.reply_to.channel.id,
                event.reply_to.message_id,
            )
        try:  # the public notice tells everyone, the member included, what happened and why
            await moderate(
                ctx,
                store,
                policy,
                kind=kind,
                origin=Origin(ctx.bot.name, community, channel),
                target=target,
                target_role=resolve_role(event.platform, target, ctx.managers),
                actor=actor,
                actor_role=ctx.role,
                reason=reason,
                duration=duration,
                case=case,
            )
        except Refused as refusal:
            ctx.respond(refusal.text)

    @command(WARN_SPEC)
    async def warn(self, invocation: Invocation, ctx: Context) -> None:
        await self._reply_moderation(ctx, "warn", _clean(invocation.args.get("reason")))

    @command(MUTE_SPEC)
    async def mute(self, invocation: Invocation, ctx: Context) -> None:
        tr = await ctx.translator()
        raw = str(invocation.args.get("duration") or "")
        duration = parse_duration(raw)
        if duration is None:
            ctx.respond(_not_a_duration(tr, raw))
            return
        await self._reply_moderation(
            ctx, "mute", _clean(invocation.args.get("reason")), duration=duration
        )

    @command(UNMUTE_SPEC)
    async def unmute(self, invocation: Invocation, ctx: Context) -> None:
        await self._reply_moderation(ctx, "unmute", None)

    @command(WARNINGS_SPEC)
    async def warnings(self, invocation: Invocation, ctx: Context) -> None:
        tr = await ctx.translator()
        event = ctx.event
        target, community = self._target(ctx), event.community
        if target is None or community is None:
            ctx.respond(tr(_("I do not know who wrote that message; reply to a newer one.")))
            return
        active = await self.store(ctx.tx).active_warnings(
            community.platform, community.id, target.user_id, ctx.now
        )
        head = compose(
            tr.plural(
                _("{member} has {n} active warning"),
                _("{member} has {n} active warnings"),
                len(active),
                member="{member}",
            ),
            member=bold(target.display_name),
        )
        entries = [
            compose(
                tr(_("{reason} (by {manager}, until {time})")),
                reason=record.reason or tr(_("no reason given")),
                manager=record.issued_by_name,
                time=tr.moment(record.expires_at, with_time=False),
            )
            for record in active
        ]
        ctx.respond(lines(head, *entries))

    # -- community rules --------------------------------------------------------------------------

    @command(ESCALATION_SPEC)
    async def escalation(self, invocation: Invocation, ctx: Context) -> None:
        tr = await ctx.translator()
        community = ctx.event.community
        if community is None:
            ctx.respond(tr(_("Use this in a community chat.")))
            return
        settings = await ctx.tx.settings(community)
        stored = dict(settings.get(SETTING) or {})
        if invocation.path[1:] == ("set",):
            key = str(invocation.args.get("key") or "").lower()
            value = str(invocation.args.get("value") or "").strip()
            try:
                self.policy.with_overrides(stored).updated(key, value)
            except PolicyError as error:
                ctx.respond(
                    tr(_("Not changed: {problem}"), problem=tr(error.template, **error.values))
                    + "\n"
                    + tr(_("Keys: {keys}"), keys=", ".join(POLICY_KEYS))
                )
                return
            stored[key] = value
            await ctx.tx.set_setting(community, SETTING, stored, ctx.now)
            if ctx.event.actor is not None:
                await audit(
                    self.store(ctx.tx),
                    ctx,
                    None,
                    ctx.event.actor,
                    "rule",
                    community=community,
                    note=f"{key}={value}",
                )
        policy = self.policy.with_overrides(stored)
        entries = [
            compose("{key}: {value}", key=bold(key), value=value)
            for key, value in policy.describe().items()
        ]
        ctx.respond(lines(bold(tr(_("Escalation rules:"))), *entries))
