"""How a ticket looks: its card in the managers' inbox, its list line, its audit lines,
and the answer a member receives.

The card is rendered from the stored ticket and its last messages every time it
changes (the delivery worker coalesces quick successive edits of one card). It shows the
last :data:`SHOWN` messages, each cut at :data:`SHOWN_CHARS`, and counts the earlier
ones, so it stays under every platform's message limit (Discord's 2,000 characters).
Names and texts are spans the adapters escape; nobody is mentioned (the inbox may be on
another platform, where the member's id means nothing).
"""

from __future__ import annotations

from collections.abc import Sequence

from townsquare.core.actions import Button, ButtonRows, ButtonStyle
from townsquare.core.i18n import Translator, _
from townsquare.core.text import Text, TextLike, bold, code, compose, italic, join, lines
from townsquare.core.tickets.specs import TicketAction, TicketButton
from townsquare.core.tickets.store import (
    Direction,
    Ticket,
    TicketAudit,
    TicketMessage,
    TicketStatus,
)

SHOWN = 5
SHOWN_CHARS = 250

STATUS_LABELS = {
    TicketStatus.OPEN: _("open"),
    TicketStatus.CLAIMED: _("claimed"),
    TicketStatus.CLOSED: _("closed"),
}
AUDIT_LABELS = {
    "opened": _("opened"),
    "claimed": _("claimed"),
    "replied": _("answered"),
    "closed": _("closed"),
    "reopened": _("reopened"),
    "auto-closed": _("closed after inactivity"),
}


def cut(text: str, limit: int = SHOWN_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def header(ticket: Ticket, tr: Translator) -> Text:
    icon = "✅" if ticket.status.closed else "📨"
    return compose(
        "{icon} {title} · {status} · {member} ({platform}) · {community}",
        icon=icon,
        title=bold(tr(_("Ticket #{id}"), id=ticket.id)),
        status=bold(tr(STATUS_LABELS[ticket.status])),
        member=bold(ticket.member_name),
        platform=ticket.member_platform,
        community=ticket.community_title or ticket.community_id,
    )


def message_line(message: TicketMessage, tr: Translator, limit: int | None = SHOWN_CHARS) -> Text:
    text = cut(message.text, limit) if limit is not None else message.text
    if message.direction is Direction.MEMBER:
        return compose("{who}: {text}", who=bold(message.author_name), text=text)
    return compose(
        "↩ {who}: {text}",
        who=bold(tr(_("Team ({manager})"), manager=message.author_name)),
        text=text,
    )


def render_card(ticket: Ticket, last: Sequence[TicketMessage], tr: Translator) -> Text:
    parts: list[TextLike] = [header(ticket, tr)]
    earlier = ticket.message_count - len(last)
    if earlier > 0:
        parts.append(
            italic(
                tr.plural(
                    _("… {n} earlier message (/ticket {id} shows all)"),
                    _("… {n} earlier messages (/ticket {id} shows all)"),
                    earlier,
                    id=ticket.id,
                )
            )
        )
    parts.extend(message_line(message, tr) for message in last)
    if ticket.status is TicketStatus.CLAIMED and ticket.claimed_by_name:
        parts.append(compose(tr(_("Claimed by {manager}")), manager=bold(ticket.claimed_by_name)))
    if ticket.status is TicketStatus.CLOSED:
        if ticket.closed_inactive:
            parts.append(tr(_("Closed after inactivity")))
        else:
            parts.append(
                compose(tr(_("Closed by {manager}")), manager=bold(ticket.closed_by_name or "?"))
            )
    else:
        parts.append(
            compose(
                tr(_("Reply to this message to answer, or {command}")),
                command=code(f"/ticket {ticket.id} reply <text>"),
            )
        )
    return lines(*parts)


def card_buttons(ticket: Ticket, tr: Translator) -> ButtonRows:
    """Claim and Close (``ticket:<id>:<action>``), each with the command to type where
    there are no buttons; a closed ticket has none."""

    def button(label: str, action: TicketAction, style: ButtonStyle) -> Button:
        data = TicketButton(ticket.id, action).pack()
        return Button(tr(label), data, style, fallback=f"/ticket {ticket.id} {action.value}")

    if ticket.status.closed:
        return ()
    row = [button(_("Close"), TicketAction.CLOSE, ButtonStyle.PRIMARY)]
    if ticket.status is TicketStatus.OPEN:
        row.insert(0, button(_("Claim"), TicketAction.CLAIM, ButtonStyle.DEFAULT))
    return (tuple(row),)


def list_line(ticket: Ticket, tr: Translator) -> Text:
    parts: list[TextLike] = [
        compose(
            "{id} · {status} · {member} ({platform})",
            id=code(f"#{ticket.id}"),
            status=tr(STATUS_LABELS[ticket.status]),
            member=bold(ticket.member_name),
            platform=ticket.member_platform,
        ),
        tr.plural(_("{n} message"), _("{n} messages"), ticket.message_count),
    ]
    if ticket.status is TicketStatus.CLAIMED and ticket.claimed_by_name:
        parts.append(tr(_("claimed by {manager}"), manager=ticket.claimed_by_name))
    return join(parts, " · ")


def audit_line(entry: TicketAudit, tr: Translator) -> Text:
    text = compose(
        "{time} {who} {action}",
        time=tr.moment(entry.at),
        who=bold(entry.actor_name),
        action=tr(AUDIT_LABELS.get(entry.action, entry.action)),
    )
    if entry.note:
        text = text + compose(": {note}", note=cut(entry.note, 100))
    return text


def answer_for_member(ticket: Ticket, text: str, tr: Translator, *, manager: str | None) -> Text:
    """What the member reads: who answers (the team, or the manager with ``--named``),
    the ticket's number, the answer as written."""
    community = ticket.community_title or ticket.community_id
    if manager is None:
        who = tr(_("The team of {community}"), community=community)
    else:
        who = tr(_("{manager} (team of {community})"), manager=manager, community=community)
    return lines(
        compose(
            "{who} · {ticket}",
            who=bold(who),
            ticket=tr(_("ticket #{id}"), id=ticket.id),
        ),
        text,
        italic(tr(_("Reply here to answer."))),
    )
