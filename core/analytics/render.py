"""How the figures are shown: the ``/stats`` answer, the weekly digest, the CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from townsquare.core.analytics.metrics import Summary, change, series
from townsquare.core.analytics.store import COUNTERS, Contributor, Window
from townsquare.core.i18n import Translator, _
from townsquare.core.text import Text, bold, compose, lines

HEADER = ("day", "active_members", *COUNTERS)
"""The CSV's columns: one row per UTC day of the period."""


def percent(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


def delta(now: float | None, before: float | None, tr: Translator | None = None) -> str:
    """``+12%``, ``-5%``, ``±0%``; ``new`` (in ``tr``'s language) when there was nothing
    before."""
    if now is None or before is None:
        return "—"
    if before == 0:
        return "±0%" if now == 0 else (tr(_("new")) if tr is not None else "new")
    moved = change(now, before)
    assert moved is not None
    rounded = round(moved * 100)
    return "±0%" if rounded == 0 else f"{rounded:+d}%"


def duration(value: timedelta | None) -> str:
    """``12s`` under a minute, then ``45m``, ``3h 5m``, ``2d 4h`` (whole minutes); ``—``
    when nothing got there."""
    if value is None:
        return "—"
    if value.total_seconds() < 60:
        return f"{round(value.total_seconds())}s"
    minutes = round(value.total_seconds() / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m"


def number(value: float) -> str:
    return f"{value:.1f}" if value != int(value) else str(int(value))


def figures(now: Summary, before: Summary, tr: Translator, title: str) -> Text:
    """The headline figures of a period, each with its change against the one before."""
    return lines(
        bold(title),
        tr(
            _("Messages: {messages} ({change}); replies {replies}, reactions {reactions}"),
            messages=now.messages,
            change=delta(now.messages, before.messages, tr),
            replies=now.replies,
            reactions=now.reactions,
        ),
        tr(
            _(
                "Active members: {active} ({change}); per day {dau}, WAU {wau}, MAU {mau}, "
                "stickiness {stickiness}"
            ),
            active=now.active,
            change=delta(now.active, before.active, tr),
            dau=number(round(now.dau, 1)),
            wau=now.wau,
            mau=now.mau,
            stickiness=percent(now.stickiness),
        ),
        tr(
            _(
                "New members: {joins} ({change}), left {leaves}; still writing in week 1: "
                "{week1}, in week 4: {week4}"
            ),
            joins=now.new_members,
            change=delta(now.new_members, before.new_members, tr),
            leaves=now.leaves,
            week1=percent(now.week1),
            week4=percent(now.week4),
        ),
        tr(
            _(
                "Questions: {questions} ({change}); answered {answered}, {bot} of them in "
                "the chat by the bot; unanswered {unanswered}; deflection {deflection}"
            ),
            questions=now.questions,
            change=delta(now.questions, before.questions, tr),
            answered=now.answered,
            bot=now.answered_by_bot,
            unanswered=now.unanswered,
            deflection=percent(now.deflection),
        ),
        tr(
            _("Cases: {cases} ({change}); median time to claim {claim}, to resolve {resolve}"),
            cases=now.cases_opened,
            change=delta(now.cases_opened, before.cases_opened, tr),
            claim=duration(now.median_claim),
            resolve=duration(now.median_resolve),
        ),
        *details(now, before, tr),
    )


def details(now: Summary, before: Summary, tr: Translator) -> list[Text | str]:
    """Activation, first answers, heat signals, check-ins, feedback and top contributors."""
    found: list[Text | str] = [
        tr(
            _("Activation: of {joins} new members, {wrote} wrote, {replied} got a reply"),
            joins=now.new_members,
            wrote=percent(now.activated),
            replied=percent(now.replied),
        ),
        tr(
            _(
                "Questions in the chat: {asked} ({change}); first answer in {median} "
                "(median), {p90} (p90); by people {people}, by the bot {bot}; never "
                "answered {never}"
            ),
            asked=now.asked,
            change=delta(now.asked, before.asked, tr),
            median=duration(now.first_answer_median),
            p90=duration(now.first_answer_p90),
            people=now.by_people,
            bot=now.by_bot,
            never=percent(now.never_answered),
        ),
        tr(
            _("Heat signals: {signals} ({change}); per week {weekly}"),
            signals=now.signals,
            change=delta(now.signals, before.signals, tr),
            weekly=", ".join(str(n) for n in now.signals_weekly),
        ),
        tr(
            _("Event check-ins: {checkins} ({change})"),
            checkins=now.checkins,
            change=delta(now.checkins, before.checkins, tr),
        ),
        tr(
            _("Feedback: {filed} filed ({change}), {shipped} shipped ({shipped_change})"),
            filed=now.feedback_filed,
            change=delta(now.feedback_filed, before.feedback_filed, tr),
            shipped=now.feedback_shipped,
            shipped_change=delta(now.feedback_shipped, before.feedback_shipped, tr),
        ),
    ]
    if now.top_thanked or now.top_answerers:
        found.append(
            tr(
                _("Top contributors: thanked {thanked}; answered first {answered}"),
                thanked=contributors(now.top_thanked),
                answered=contributors(now.top_answerers),
            )
        )
    return found


def contributors(found: tuple[Contributor, ...]) -> str:
    """``Alice 5, #12 3`` (a person whose name the bot does not know by number)."""
    if not found:
        return "—"
    return ", ".join(f"{c.name or f'#{c.person}'} {c.count}" for c in found)


def period_title(days: int, tr: Translator) -> str:
    return tr(_("Stats for the last {days} days, against the {days} before"), days=days)


def export_csv(window: Window) -> str:
    """Every day of the period: the date, the people who wrote, then each counter."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for day in series(window):
        writer.writerow(
            [
                date.fromordinal(day.day).isoformat(),
                day.active,
                *(getattr(day, name) for name in COUNTERS),
            ]
        )
    return out.getvalue()


def digest(now: Summary, before: Summary, tr: Translator) -> Text:
    return compose(
        "{figures}\n{hint}",
        figures=figures(now, before, tr, tr(_("This week in the community"))),
        hint=tr(_("/stats 30d shows more; /stats digest off stops this weekly message.")),
    )
