"""What announcements say: the post itself (the manager's words, nothing added), and the
answers to managers, in the community's language.

The post is one plain span: every adapter escapes it (Telegram HTML, Discord markdown with
``@everyone``/``@here`` broken and no ``allowed_mentions``, Slack rich text with its
fallback escaped), so whatever a manager types is shown as typed and never becomes markup
or a mass mention. Line breaks are kept.
"""

from __future__ import annotations

from collections.abc import Sequence

from townsquare.core.announcements.rules import Every
from townsquare.core.announcements.store import Announcement
from townsquare.core.i18n import Translator, _
from townsquare.core.text import Span, Text, TextLike, bold, compose, lines

PREVIEW = 60
"""Characters of an announcement's text shown in ``/announcements``."""

_EVERY = {
    Every.DAILY: _("every day"),
    Every.WEEKLY: _("every week"),
    Every.MONTHLY: _("every month"),
}
_THEN = {
    Every.DAILY: _("Announcement #{id} will be posted {when}, then every day at that time."),
    Every.WEEKLY: _("Announcement #{id} will be posted {when}, then every week at that time."),
    Every.MONTHLY: _(
        "Announcement #{id} will be posted {when}, then every month on that day at that time."
    ),
}
_AGAIN = {
    Every.DAILY: _("Announcement #{id} is posted; it comes again every day, next {when}."),
    Every.WEEKLY: _("Announcement #{id} is posted; it comes again every week, next {when}."),
    Every.MONTHLY: _("Announcement #{id} is posted; it comes again every month, next {when}."),
}
"""Whole sentences per frequency: word order differs by language."""


def post(found: Announcement) -> Text:
    """The announcement as posted: its text, plain."""
    return Text((Span(found.text),))


def confirmation(found: Announcement, places: int, tr: Translator) -> Text:
    """What the manager hears: posted now or when it will be, how often, where."""
    ident = str(found.id)
    if found.next_at is None:
        said: TextLike = tr(_("Announcement #{id} is posted."), id=ident)
    elif found.posted and found.every is not None:
        said = compose(tr(_AGAIN[found.every]), id=ident, when=tr.moment(found.next_at))
    elif found.every is not None:
        said = compose(tr(_THEN[found.every]), id=ident, when=tr.moment(found.next_at))
    else:
        said = compose(
            tr(_("Announcement #{id} will be posted {when}.")),
            id=ident,
            when=tr.moment(found.next_at),
        )
    parts: list[TextLike] = [said]
    if found.space is not None:
        parts.append(
            tr.plural(
                _("It goes to {n} community of the space {space}."),
                _("It goes to {n} communities of the space {space}."),
                places,
                space=found.space,
            )
        )
    if found.scheduled:
        parts.append(tr(_("/announce cancel {id} stops it."), id=ident))
    return lines(*parts)


def cannot_pin(bots: Sequence[str], tr: Translator) -> str:
    """The warning for a ``--pin`` some of its places cannot honour."""
    return tr(
        _("It is not pinned on {bots}: that platform cannot pin messages."),
        bots=", ".join(bots),
    )


def listing(found: Sequence[Announcement], tr: Translator) -> Text:
    """``/announcements``: what is still to be posted here, soonest first."""
    if not found:
        return Text() + tr(_("No announcement is scheduled here."))
    rows: list[TextLike] = [bold(tr(_("Scheduled announcements:")))]
    for item in found:
        assert item.next_at is not None
        details = [tr(_EVERY[item.every])] if item.every is not None else []
        if item.pin:
            details.append(tr(_("pinned")))
        if item.space is not None:
            details.append(tr(_("space {space}"), space=item.space))
        rows.append(
            compose(
                "{id} {when}{details} — {text}",
                id=bold(f"#{item.id}"),
                when=tr.moment(item.next_at),
                details=f" ({', '.join(details)})" if details else "",
                text=preview(item.text),
            )
        )
    return lines(*rows)


def preview(text: str) -> str:
    """The text on one line, shortened to :data:`PREVIEW` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW else flat[: PREVIEW - 1] + "…"
