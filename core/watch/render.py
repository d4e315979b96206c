"""What watch words say: an hour's digest and a spike alert for the managers' inbox, and
the answers to ``/watch``.

Whatever came from members (their names, the excerpt of their message) is a plain span,
sanitised first (:func:`core.watch.rules.sanitised`) and escaped by every adapter, so it
never becomes markup or a mass mention. A phrase is shown in quotes as the manager wrote it.
"""

from __future__ import annotations

from collections.abc import Sequence

from townsquare.core.i18n import Translator, _
from townsquare.core.persons import account_platform
from townsquare.core.text import Text, TextLike, bold, compose, italic, join, lines, link
from townsquare.core.watch.rules import hour_end, hour_start, usual_rate
from townsquare.core.watch.store import HourCount, Mention, Phrase

PLATFORMS = {"telegram": "Telegram", "discord": "Discord", "slack": "Slack"}


def quoted(phrase: str) -> str:
    return f"“{phrase}”"


def platform_name(platform: str) -> str:
    family = account_platform(platform)
    return PLATFORMS.get(family, family.capitalize())


def _where(mention: Mention, tr: Translator) -> Text:
    place = compose(
        tr(_("{author} on {platform}")),
        author=mention.author,
        platform=platform_name(mention.platform),
    )
    if mention.link:
        place = place + " " + link(tr(_("view")), mention.link)
    return place


def mention_line(mention: Mention, tr: Translator) -> Text:
    return compose(
        "• {phrase} · {where}: {excerpt}",
        phrase=bold(quoted(mention.phrase)),
        where=_where(mention, tr),
        excerpt=italic(mention.excerpt),
    )


def _clock(hour: int) -> str:
    return f"{hour_start(hour):%H:%M}–{hour_end(hour):%H:%M}"


def digest(
    hour: int, counts: Sequence[HourCount], latest: Sequence[Mention], tr: Translator
) -> Text:
    """The hour's digest: each phrase's count, then the latest mentions one per line."""
    total = sum(count.hits for count in counts)
    title = compose(
        tr(_("Watch words, {day} {hours} UTC")),
        day=f"{hour_start(hour):%Y-%m-%d}",
        hours=_clock(hour),
    )
    tally = join(
        (
            compose("{phrase} {n}", phrase=bold(quoted(count.phrase)), n=f"×{count.hits}")
            for count in counts
        ),
        " · ",
    )
    parts: list[TextLike] = [bold(title.plain()), tally]
    parts.extend(mention_line(mention, tr) for mention in latest)
    hidden = total - len(latest)
    if hidden > 0:
        parts.append(
            italic(
                tr.plural(
                    _("and {n} earlier mention this hour"),
                    _("and {n} earlier mentions this hour"),
                    hidden,
                )
            )
        )
    return lines(*parts)


def spike(mention: Mention, hits: int, previous: int, tr: Translator) -> Text:
    """An immediate alert: the phrase's count this hour against its usual rate."""
    head = compose(
        tr.plural(
            _("Spike: {phrase} mentioned {n} time this hour"),
            _("Spike: {phrase} mentioned {n} times this hour"),
            hits,
            phrase="{phrase}",
        ),
        phrase=bold(quoted(mention.phrase)),
    )
    if previous:
        usual = tr(
            _("usually {rate} an hour over the last 7 days"), rate=f"{usual_rate(previous):.2f}"
        )
    else:
        usual = tr(_("not mentioned in the last 7 days"))
    latest = compose(
        tr(_("Latest: {where}: {excerpt}")),
        where=_where(mention, tr),
        excerpt=italic(mention.excerpt),
    )
    return lines(compose("⚠ {head} ({usual})", head=head, usual=usual), latest)


def phrase_line(phrase: Phrase) -> Text:
    return compose("#{id} {phrase}", id=str(phrase.id), phrase=quoted(phrase.text))
