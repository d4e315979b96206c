"""The case card's buttons (:class:`~.lifecycle.CaseButton`, ``case:<id>:<action>``)
pressed in the case's inbox or in a manager's private copy, and the forms Resolve, Warn
and Mute ask first where the platform has forms."""

from __future__ import annotations

from townsquare.core.actions import MAX_FORM_TITLE, MAX_PLACEHOLDER
from townsquare.core.capabilities import Capability
from townsquare.core.escalation.cases import (
    act,
    authorize,
    case_for_actor,
    notified_privately,
)
from townsquare.core.escalation.common import (
    MAX_REASON,
    Refused,
    Services,
    clean,
    not_a_duration,
)
from townsquare.core.escalation.durations import parse_duration
from townsquare.core.escalation.lifecycle import CaseAction, CaseButton
from townsquare.core.escalation.moderation import check_target
from townsquare.core.escalation.specs import CASE_ID
from townsquare.core.escalation.store import Case
from townsquare.core.events import ButtonPressed
from townsquare.core.features import Context
from townsquare.core.i18n import Translator, _
from townsquare.core.scope import shown_id
from townsquare.core.text import TextLike, as_text

NOTE_MIN_LENGTH = 3
"""The shortest resolution note the Resolve form accepts ("ok" says nothing)."""
MUTE_MIN_LENGTH = 2
"""The shortest answer the Mute form accepts: a duration, ``5m``."""


def form_title(template: str, name: str) -> str:
    """``template`` (translated, with ``{member}``) naming ``name``, the name shortened
    with "…" so the title fits a form's title (Discord's 45 characters)."""
    room = MAX_FORM_TITLE - len(template.replace("{member}", ""))
    if len(name) > room:
        name = name[: max(room - 1, 1)].rstrip() + "…"
    return template.replace("{member}", name)[:MAX_FORM_TITLE]


def _pressed_here(case: Case, event: ButtonPressed) -> bool:
    """Case buttons are sent in the case's inbox and to the managers it was sent to
    privately, nowhere else: a case payload pressed in any other chat (forged, or
    copied from a card) is an unknown case. (Re-announcements are posted without an
    outbox key, so the binding is to those chats rather than to one message.)"""
    channel = event.channel
    if notified_privately(case, event):
        return True
    return channel is not None and case.inbox_bot == event.bot and case.inbox_channel == channel.id


async def case_pressed(services: Services, pressed: CaseButton, ctx: Context) -> None:
    event, tr, action = ctx.press, ctx.tr, pressed.action
    case = await services.find(CASE_ID, pressed.case_id, ctx)
    if not isinstance(case, Case) or not _pressed_here(case, event):
        ctx.answer(tr(CASE_ID.unknown, id=shown_id(str(pressed.case_id))), alert=True)
        return
    try:
        match action:
            case CaseAction.RESOLVE:
                result = await _resolve_pressed(services, event, ctx, case.id, tr)
            case CaseAction.WARN | CaseAction.MUTE:
                result = await _moderation_pressed(services, event, ctx, case.id, action, tr)
            case _:
                result = await act(services, ctx, case.id, action, None)
    except Refused as refusal:
        ctx.answer(refusal.text.plain()[:190], alert=True)
        return
    if result is not None:
        ctx.answer(as_text(result).plain()[:190])


async def _resolve_pressed(
    services: Services, event: ButtonPressed, ctx: Context, case_id: int, tr: Translator
) -> TextLike | None:
    """The Resolve button: resolving needs a note, so a press asks for it in a form
    (Discord and Slack modals; elsewhere the hint says which command to type). The
    submitted form comes back as a press with ``text`` and resolves the case exactly
    as ``/case <id> resolve <note>`` does. The submitter is authorized again: a form is
    no permission (rights may change while it is open, and a submission is only as
    trustworthy as a press). None: answered already."""
    case = await case_for_actor(services, ctx, case_id, tr)
    await authorize(ctx, case, tr)
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
    note = clean(event.text)
    if note is None:
        raise Refused(hint)
    return await act(services, ctx, case.id, CaseAction.RESOLVE, note)


async def _moderation_pressed(
    services: Services,
    event: ButtonPressed,
    ctx: Context,
    case_id: int,
    action: CaseAction,
    tr: Translator,
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
        return await act(services, ctx, case_id, action, None)
    case = await case_for_actor(services, ctx, case_id, tr)
    role = await authorize(ctx, case, tr)
    offender = case.offender
    if offender is None:  # refused by act, which says why
        return await act(services, ctx, case.id, action, None)
    check_target(tr, offender, case.offender_role, role)
    if event.text is None:
        _ask(ctx, case, action, case.offender_name or offender.display_name, tr)
        return None
    note = clean(event.text)
    if action is CaseAction.MUTE:
        words = (note or "").split(maxsplit=1)
        raw = words[0] if words else ""
        if parse_duration(raw) is None:
            raise Refused(not_a_duration(tr, raw))
        note = " ".join(words)
    return await act(services, ctx, case.id, action, note)


def _ask(ctx: Context, case: Case, action: CaseAction, name: str, tr: Translator) -> None:
    """The form Warn or Mute asks before acting."""
    if action is CaseAction.WARN:
        ctx.ask_text(
            title=form_title(tr(_("Warn {member}"), member="{member}"), name),
            label=tr(_("Reason (the member is told)"))[:MAX_FORM_TITLE],
            placeholder=tr(_("Leave empty to give the case's reasons"))[:MAX_PLACEHOLDER],
            submit=tr(_("Warn")),
            min_length=0,
            max_length=MAX_REASON,
            fallback_text=tr(_("Warn with /case {id} warn [reason]"), id=case.id),
        )
        return
    ctx.ask_text(
        title=form_title(tr(_("Mute {member}"), member="{member}"), name),
        label=tr(_("Duration and reason, e.g. 2h spam"))[:MAX_FORM_TITLE],
        submit=tr(_("Mute")),
        min_length=MUTE_MIN_LENGTH,
        max_length=MAX_REASON,
        fallback_text=tr(_("Mute with /case {id} mute <duration> [reason]"), id=case.id),
    )
