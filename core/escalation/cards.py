"""How a case looks in the managers' inbox: the card text, its buttons, list lines.

The card is rendered from the stored case every time it changes, so an edit always shows
the whole current state (the delivery worker coalesces quick successive edits). Names are
shown in bold, never as mentions: the inbox may be on another platform, where the
offender's user id means nothing (or someone else).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from townsquare.core.actions import Button, ButtonRows, ButtonStyle
from townsquare.core.escalation.lifecycle import CaseAction, CaseButton
from townsquare.core.escalation.signals import Severity
from townsquare.core.escalation.store import AuditEntry, Case, CaseSource, CaseStatus, Reporter
from townsquare.core.i18n import Translator, _
from townsquare.core.text import TextLike, bold, code, compose, italic, join, lines, link

SEVERITY_LABELS = {
    Severity.LOW: _("low"),
    Severity.MEDIUM: _("medium"),
    Severity.HIGH: _("high"),
}
STATUS_LABELS = {
    CaseStatus.OPEN: _("open"),
    CaseStatus.CLAIMED: _("claimed"),
    CaseStatus.RESOLVED: _("resolved"),
    CaseStatus.DISMISSED: _("dismissed"),
}
SIGNAL_LABELS = {
    "threat": _("Threat"),
    "insult": _("Insult"),
    "heat": _("Heated exchange"),
    "shouting": _("Shouting"),
    "flags": _("Flagged by members"),
}
AUDIT_LABELS = {
    "reported": _("reported"),
    "signal": _("signal"),
    "claimed": _("claimed"),
    "resolved": _("resolved"),
    "reopened": _("reopened"),
    "dismissed": _("dismissed"),
    "warned": _("warned"),
    "muted": _("muted"),
    "unmuted": _("unmuted"),
    "auto-muted": _("muted automatically"),
    "auto-removed": _("removed automatically"),
    "reannounced": _("announced again"),
    "inbox": _("set the managers' inbox"),
    "rule": _("changed a rule"),
}
_ICONS = {Severity.LOW: "🟡", Severity.MEDIUM: "🟠", Severity.HIGH: "🔴"}
_SNAPSHOT_SHOWN = 300


def header(case: Case, tr: Translator) -> TextLike:
    icon = "✅" if case.status.closed else _ICONS[case.severity]
    title = tr(_("Case #{id}"), id=case.id)
    return compose(
        "{icon} {title} · {severity} · {status}",
        icon=icon,
        title=bold(title),
        severity=tr(SEVERITY_LABELS[case.severity]),
        status=bold(tr(STATUS_LABELS[case.status])),
    )


def evidence_line(item: Mapping[str, Any], tr: Translator) -> TextLike:
    """A stored signal: its label and its evidence template filled with its values (as
    spans, since values hold member names and quoted words)."""
    label = tr(SIGNAL_LABELS.get(str(item.get("kind")), _("Signal")))
    template = tr(str(item.get("evidence", "")))
    values = {str(k): str(v) for k, v in dict(item.get("values") or {}).items()}
    detail: TextLike
    try:
        detail = compose(template, **values)
    except (KeyError, ValueError):
        detail = template
    return compose("{label}: {detail}", label=bold(label), detail=detail)


def render_case(case: Case, reporters: Sequence[Reporter], tr: Translator) -> TextLike:
    where = case.channel_title or case.channel_id
    parts: list[TextLike] = [
        header(case, tr),
        compose(
            tr(_("Where: {community} · {channel} ({platform})")),
            community=case.community_title or case.community_id,
            channel=where,
            platform=case.platform,
        ),
    ]
    offender = bold(case.offender_name) if case.offender_name else tr(_("unknown"))
    parts.append(compose(tr(_("Message from {member}:")), member=offender))
    snapshot = case.snapshot
    if len(snapshot) > _SNAPSHOT_SHOWN:
        snapshot = snapshot[:_SNAPSHOT_SHOWN] + "…"
    parts.append(italic(f"“{snapshot}”") if snapshot else italic(tr(_("(no text)"))))
    if case.link:
        parts.append(link(tr(_("Open the message")), case.link))
    if reporters and _inbox_is_public(case):
        parts.append(
            tr.plural(_("Reported by {n} member"), _("Reported by {n} members"), len(reporters))
        )
    elif reporters:
        names = ", ".join(reporter.display_name for reporter in reporters[:10])
        more = len(reporters) - 10
        if more > 0:
            names += f" +{more}"
        parts.append(
            compose(
                tr.plural(
                    _("Reported by {n} member: {names}"),
                    _("Reported by {n} members: {names}"),
                    len(reporters),
                    names="{names}",
                ),
                names=names,
            )
        )
        reasons = [reporter.reason for reporter in reporters if reporter.reason]
        if reasons:
            parts.append(compose(tr(_("Reasons: {reasons}")), reasons="; ".join(reasons[:5])))
    for item in case.evidence:
        parts.append(evidence_line(item, tr))
    if case.status is CaseStatus.CLAIMED and case.claimed_by_name:
        parts.append(compose(tr(_("Claimed by {manager}")), manager=bold(case.claimed_by_name)))
    if case.status is CaseStatus.RESOLVED:
        parts.append(
            compose(
                tr(_("Resolved by {manager}: {note}")),
                manager=bold(case.claimed_by_name or "?"),
                note=case.resolution or "",
            )
        )
    if case.status is CaseStatus.DISMISSED:
        parts.append(
            compose(
                tr(_("Dismissed by {manager} as a false alarm")),
                manager=bold(case.claimed_by_name or "?"),
            )
        )
    parts.append(compose(tr(_("Opened {time}")), time=tr.moment(case.created_at)))
    return lines(*parts)


def _inbox_is_public(case: Case) -> bool:
    """The inbox is the very chat the message was posted in (``/managers here`` there):
    the offender reads the case too, so reporters stay anonymous."""
    return case.inbox_bot == case.bot and case.inbox_channel == case.channel_id


def case_buttons(case: Case, tr: Translator, *, forms: bool = False) -> ButtonRows:
    """Compact ``case:<id>:<action>`` payloads (well under Telegram's 64 bytes), each
    with the command a manager types where there are no buttons.

    ``forms``: the card is shown by a bot whose platform has forms
    (:attr:`~core.capabilities.Capability.FORMS`), where Warn and Mute ask for the reason
    and the duration first; elsewhere they act at once and are not marked."""

    def button(label: str, action: str, style: ButtonStyle = ButtonStyle.DEFAULT) -> Button:
        fallback = f"/case {case.id} {action}" + (" <note>" if action == "resolve" else "")
        # Resolve answers with a form asking for the note where the platform has forms;
        # Warn and Mute do where the card's bot has forms.
        asks_text = action == "resolve" or (forms and action in ("warn", "mute"))
        data = CaseButton(case.id, CaseAction(action)).pack()
        return Button(tr(label), data, style, fallback=fallback, asks_text=asks_text)

    if case.status.closed:
        return ((button(_("Reopen"), "reopen"),),)
    first = [button(_("Resolve"), "resolve", ButtonStyle.PRIMARY)]
    if case.status is CaseStatus.OPEN:
        first.insert(0, button(_("Claim"), "claim"))
    rows: list[tuple[Button, ...]] = [tuple(first)]
    second: list[Button] = []
    if case.offender_id is not None:
        second += [button(_("Warn"), "warn"), button(_("Mute"), "mute", ButtonStyle.DANGER)]
    if case.source is CaseSource.SIGNAL:
        second.append(button(_("Dismiss"), "dismiss"))
    if second:
        rows.append(tuple(second))
    return tuple(rows)


def list_line(case: Case, tr: Translator) -> TextLike:
    who = case.offender_name or tr(_("unknown"))
    parts: list[TextLike] = [
        compose(
            "{icon} {id} · {severity} · {status} · {who}",
            icon=_ICONS[case.severity],
            id=code(f"#{case.id}"),
            severity=tr(SEVERITY_LABELS[case.severity]),
            status=tr(STATUS_LABELS[case.status]),
            who=bold(who),
        )
    ]
    if case.report_count:
        parts.append(tr.plural(_("{n} report"), _("{n} reports"), case.report_count))
    if case.source is CaseSource.SIGNAL and case.evidence:
        kind = str(case.evidence[0].get("kind", ""))
        parts.append(tr(SIGNAL_LABELS.get(kind, _("Signal"))))
    if case.status is CaseStatus.CLAIMED and case.claimed_by_name:
        parts.append(tr(_("claimed by {manager}"), manager=case.claimed_by_name))
    return join(parts, " · ")


def audit_line(entry: AuditEntry, tr: Translator) -> TextLike:
    action = tr(AUDIT_LABELS.get(entry.action, entry.action))
    text = compose(
        "{time} {who} {action}",
        time=tr.moment(entry.at),
        who=bold(entry.actor_name),
        action=action,
    )
    if entry.note:
        text = text + compose(": {note}", note=entry.note)
    return text
