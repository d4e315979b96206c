"""Escalation: reports, cases in the managers' inbox, warnings, mutes and conflict signals.

* ``/report [reason]`` (a reply; Discord's and Slack's "Report to managers" menu arrives as
  the same command) opens a case for the replied-to message, or joins the existing one:
  one case and one inbox message per reported message, edited as reports accumulate. The
  reporter is answered privately (an ephemeral answer, else a direct message without a
  public fallback) and, on text platforms, the ``/report`` message is deleted so the
  offender does not see who reported them (:mod:`.reports`).
* The case message goes to the managers' inbox (:mod:`core.inbox`), which may be another
  bot on another platform; without an inbox the managers seen in the community get it
  privately (:mod:`.publication`). Claim / Resolve / Warn / Mute (/ Dismiss for detector
  signals) buttons and ``/case <id> ...`` commands change it (:mod:`.cases`,
  :mod:`.presses`, :mod:`.lifecycle`); every change edits the message and is written to
  the audit log. Where the platform has forms, Resolve asks for the note, Warn for the
  reason and Mute for ``<duration> [reason]`` first. An unclaimed case is announced once
  more after a while (a durable job).
* ``/warn``, ``/mute``, ``/unmute`` (replies) run on the origin platform; warnings expire,
  and thresholds trigger automatic mutes or removals, announced with the reason
  (:mod:`.replies`, :mod:`.moderation`).
* ``/managers`` chooses the inbox (:mod:`.inbox_commands`); ``/escalation`` the rules
  (:mod:`.rules`).
* Detectors (:mod:`core.escalation.signals`) watch messages and reactions; a signal opens a
  case with evidence, and dismissing it is remembered for that message.

Managers act on members, never on other managers (only the owner may) nor on the owner.
People handling cases from an inbox on another platform must be managers there (platform
admins, or listed in ``[defaults] managers``).

This class only declares the handlers; each delegates to the module of its job.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from townsquare.core.commands import Invocation
from townsquare.core.escalation import cases, inbox_commands, presses, replies, reports, rules
from townsquare.core.escalation.common import Services, StoreFactory, clean
from townsquare.core.escalation.heat import HeatDetector
from townsquare.core.escalation.lexicon import LexiconDetector
from townsquare.core.escalation.lifecycle import CaseButton
from townsquare.core.escalation.memory import RecentMessages
from townsquare.core.escalation.policy import EscalationPolicy, EscalationSettings
from townsquare.core.escalation.presses import form_title as _form_title
from townsquare.core.escalation.publication import REANNOUNCE_JOB, reannounce
from townsquare.core.escalation.signals import Detector, ObservedMessage, ObservedReaction
from townsquare.core.escalation.specs import (
    CASE_ID,
    CASE_SPEC,
    CASES_SPEC,
    ESCALATION_SPEC,
    MANAGERS_SPEC,
    MUTE_SPEC,
    REPORT_SPEC,
    UNMUTE_SPEC,
    WARN_SPEC,
    WARNINGS_SPEC,
)
from townsquare.core.escalation.store import Case
from townsquare.core.events import (
    CommandIssued,
    JobDue,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
)
from townsquare.core.features import (
    Context,
    Feature,
    command,
    job,
    on,
    pressed,
    resolves,
    subcommand,
)
from townsquare.core.persons import PersonDirectory
from townsquare.core.privacy import KeepsPersonalData
from townsquare.core.roles import Role
from townsquare.core.scope import IdRef

__all__ = ["Escalation", "_form_title"]


class Escalation(KeepsPersonalData, Feature):
    name = "escalation"
    settings_models = (EscalationSettings,)

    def __init__(
        self,
        store: StoreFactory,
        *,
        policy: EscalationPolicy | None = None,
        detectors: Sequence[Detector] | None = None,
        memory: RecentMessages | None = None,
        people: PersonDirectory | None = None,
    ) -> None:
        self.store = store
        self.policy = policy or EscalationPolicy()
        self.detectors: list[Detector] = (
            list(detectors) if detectors is not None else [LexiconDetector(), HeatDetector()]
        )
        self.memory = memory or RecentMessages()
        self.services = Services(store, self.policy, self.memory, self.find, people)
        self._managers_seen: set[tuple[str, str, str]] = set()

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

    # -- observing the conversation ---------------------------------------------------------

    @on(CommandIssued)
    async def commanded(self, event: CommandIssued, ctx: Context) -> None:
        await self._note_manager(ctx)

    @on(MessagePosted)
    async def posted(self, event: MessagePosted, ctx: Context) -> None:
        author, community = event.actor, event.community
        if author is None or community is None:
            return
        replied = event.reply_to_author or self.services.author_of(event.bot, event.reply_to)
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
        await reports.run_detectors(
            self.services, self.detectors, ctx, observed=observed, snapshot=event.text
        )

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
        await reports.run_detectors(
            self.services, self.detectors, ctx, observed=observed, snapshot=event.text
        )

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
        snapshot = remembered.text if remembered else ""
        await reports.run_detectors(
            self.services, self.detectors, ctx, reaction=observed, snapshot=snapshot
        )

    # -- reports, the managers' inbox and cases -----------------------------------------------

    @command(REPORT_SPEC)
    async def report(self, invocation: Invocation, ctx: Context) -> None:
        await reports.report_command(self.services, invocation, ctx)

    @command(MANAGERS_SPEC)
    async def managers(self, invocation: Invocation, ctx: Context) -> None:
        await inbox_commands.show(ctx, ctx.tr)

    @subcommand("managers", "here")
    async def managers_here(self, invocation: Invocation, ctx: Context) -> None:
        await inbox_commands.here_command(self.services, invocation, ctx)

    @subcommand("managers", "link")
    async def managers_link(self, invocation: Invocation, ctx: Context) -> None:
        await inbox_commands.link(self.services, ctx, ctx.tr)

    @command(CASES_SPEC)
    async def cases(self, invocation: Invocation, ctx: Context) -> None:
        await cases.cases_command(self.services, invocation, ctx)

    @command(CASE_SPEC)
    async def case(self, invocation: Invocation, ctx: Context) -> None:
        await cases.case_command(self.services, invocation, ctx)

    @pressed(CaseButton)
    async def case_pressed(self, button: CaseButton, ctx: Context) -> None:
        await presses.case_pressed(self.services, button, ctx)

    @resolves(CASE_ID)
    async def _case(self, case_id: int, ctx: Context) -> Case | None:
        return await self.store(ctx.tx).case(case_id)

    async def reaches(self, ref: IdRef, thing: Any, ctx: Context) -> bool:
        return await cases.reaches(thing, ctx)

    @job(REANNOUNCE_JOB)
    async def reannounce(self, event: JobDue, ctx: Context) -> None:
        await reannounce(ctx, self.store(ctx.tx), event)

    # -- moderation and rules -----------------------------------------------------------------

    @command(WARN_SPEC)
    async def warn(self, invocation: Invocation, ctx: Context) -> None:
        reason = clean(invocation.args.get("reason"))
        await replies.moderate_reply(self.services, ctx, "warn", reason)

    @command(MUTE_SPEC)
    async def mute(self, invocation: Invocation, ctx: Context) -> None:
        raw = str(invocation.args.get("duration") or "")
        await replies.mute_command(self.services, ctx, raw, invocation.args.get("reason"))

    @command(UNMUTE_SPEC)
    async def unmute(self, invocation: Invocation, ctx: Context) -> None:
        await replies.moderate_reply(self.services, ctx, "unmute")

    @command(WARNINGS_SPEC)
    async def warnings(self, invocation: Invocation, ctx: Context) -> None:
        await replies.warnings_command(self.services, ctx)

    @command(ESCALATION_SPEC)
    async def escalation(self, invocation: Invocation, ctx: Context) -> None:
        await rules.show(self.services, ctx)

    @subcommand("escalation", "set")
    async def escalation_set(self, invocation: Invocation, ctx: Context) -> None:
        await rules.set_rule(self.services, invocation, ctx)
