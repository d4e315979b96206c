"""The metrics as pure functions: figures worked out by hand for small histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from townsquare.core.analytics.metrics import (
    WEEK_1,
    WEEK_4,
    case_medians,
    median,
    retention,
    series,
    summarize,
)
from townsquare.core.analytics.render import delta, duration, export_csv
from townsquare.core.analytics.store import CaseTimes, Cohort, Day, Window
from townsquare.core.i18n import Translator

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_median_of_odd_and_even_counts() -> None:
    hours = [timedelta(hours=h) for h in (5, 1, 3)]
    assert median(hours) == timedelta(hours=3)
    assert median([*hours, timedelta(hours=9)]) == timedelta(hours=4)
    assert median([]) is None


def test_retention_counts_only_newcomers_whose_week_has_ended() -> None:
    today = 100
    cohorts = [
        Cohort(80, joined=4, week1=1, week4=0),  # week 1 ended on day 93: counted
        Cohort(85, joined=1, week1=1),  # ended on day 98: counted
        Cohort(90, joined=3, week1=3),  # ends on day 103: not yet
    ]
    assert retention(cohorts, WEEK_1, today) == 2 / 5
    assert retention(cohorts, WEEK_4, today) is None  # nobody's 4th week has ended
    assert retention([Cohort(50, joined=2, week4=1)], WEEK_4, today) == 0.5


def test_case_medians_use_the_cases_that_got_there() -> None:
    cases = [
        CaseTimes(T0, T0 + timedelta(minutes=10), T0 + timedelta(hours=2)),
        CaseTimes(T0, T0 + timedelta(minutes=30), None),
        CaseTimes(T0, None, None),
    ]
    assert case_medians(cases) == (timedelta(minutes=20), timedelta(hours=2))


def test_summary_of_a_week() -> None:
    window = Window(
        first=10,
        last=16,
        days=(
            Day(10, active=2, messages=5, replies=1, joins=2, questions=4, answered=3, helpful=2),
            Day(12, active=4, messages=7, reactions=3, leaves=1, answered_by_bot=2),
        ),
        active=5,
        wau=5,
        mau=8,
        cohorts=(Cohort(10, joined=1), Cohort(11, joined=1)),
    )
    summary = summarize(window, today=16)
    assert (summary.messages, summary.replies, summary.reactions) == (12, 1, 3)
    assert (summary.joins, summary.leaves, summary.net) == (2, 1, 1)
    assert summary.dau == 6 / 7
    assert summary.stickiness == (6 / 7) / 8
    assert (summary.questions, summary.answered, summary.unanswered) == (4, 3, 1)
    assert summary.deflection == 0.5
    assert summary.new_members == 2 and summary.week1 is None
    assert summary.median_claim is None


def test_a_period_with_nothing_in_it() -> None:
    summary = summarize(Window(first=1, last=7), today=7)
    assert summary.dau == 0 and summary.stickiness is None and summary.deflection is None


def test_changes_and_durations_as_shown() -> None:
    assert [delta(12, 10), delta(9, 10), delta(10, 10), delta(3, 0), delta(0, 0)] == [
        "+20%",
        "-10%",
        "±0%",
        "new",
        "±0%",
    ]
    assert delta(3, 0, Translator("it")) == "prima 0"
    assert delta(3, 0, Translator("ru")) == "ранее 0"
    assert duration(timedelta(minutes=45)) == "45m"
    assert duration(timedelta(hours=3, minutes=5)) == "3h 5m"
    assert duration(timedelta(days=2, hours=4, minutes=10)) == "2d 4h"


def test_the_series_and_csv_have_every_day() -> None:
    first = datetime(2026, 11, 1).date().toordinal()
    window = Window(first=first, last=first + 2, days=(Day(first + 1, active=1, messages=2),))
    assert [day.messages for day in series(window)] == [0, 2, 0]
    rows = export_csv(window).splitlines()
    assert rows[0].startswith("day,active_members,joins,leaves,messages")
    assert rows[2] == "2026-11-02,1,0,0,2,0,0,0,0,0,0,0,0,0,0,0"
    assert len(rows) == 4
