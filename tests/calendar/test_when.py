"""The careful time reader (:func:`core.when.read_when`): Italian and Russian forms,
refusals with the reason, and property tests that rendered times read back to the same
instant, with daylight-saving gaps and overlaps refused rather than guessed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from townsquare.core.i18n import translator
from townsquare.core.when import Reason, Refusal, When, read_when, wall_clock

NOW = datetime(2026, 12, 9, 10, 0, tzinfo=UTC)  # a Wednesday; 11:00 in Rome
ROME = ZoneInfo("Europe/Rome")
ZONES = [
    ZoneInfo(name)
    for name in (
        "Europe/Rome",
        "America/New_York",
        "Australia/Lord_Howe",
        "Asia/Kolkata",
        "Europe/Moscow",
        "America/Santiago",
    )
]
EN = translator("en")


def at(text: str, now: datetime = NOW) -> datetime:
    found = read_when(text, now, ROME)
    assert isinstance(found, When), found
    return found.at.astimezone(ROME)


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("domani 19:00", datetime(2026, 12, 10, 19, 0)),
        ("domani alle 19:00", datetime(2026, 12, 10, 19, 0)),
        ("dopodomani 9:30", datetime(2026, 12, 11, 9, 30)),
        ("ven 18:30", datetime(2026, 12, 11, 18, 30)),
        ("venerdì 18:30", datetime(2026, 12, 11, 18, 30)),
        ("mer 09:00", datetime(2026, 12, 16, 9, 0)),  # passed today: next week
        ("tra 2h", datetime(2026, 12, 9, 13, 0)),
        ("fra 30 min", datetime(2026, 12, 9, 11, 30)),
        ("tra 2 ore", datetime(2026, 12, 9, 13, 0)),
        ("завтра 19:00", datetime(2026, 12, 10, 19, 0)),
        ("завтра в 19:00", datetime(2026, 12, 10, 19, 0)),
        ("пт 18:30", datetime(2026, 12, 11, 18, 30)),
        ("в пятницу в 18:30", datetime(2026, 12, 11, 18, 30)),
        ("через 2ч", datetime(2026, 12, 9, 13, 0)),
        ("через 2 часа", datetime(2026, 12, 9, 13, 0)),
        ("10.12.2026 19:00", datetime(2026, 12, 10, 19, 0)),
        ("25/12 18:00", datetime(2026, 12, 25, 18, 0)),
        ("tomorrow at 19:00", datetime(2026, 12, 10, 19, 0)),
    ],
)
def test_italian_and_russian_forms(text: str, local: datetime) -> None:
    assert at(text).replace(tzinfo=None) == local


@pytest.mark.parametrize(
    ("text", "reason", "sentence"),
    [
        ("2026-12-01 10:00", Reason.PAST, "2026-12-01 10:00 is in the past."),
        (
            "10/12 18:00",
            Reason.AMBIGUOUS_DATE,
            "10/12 18:00 could be 2026-12-10 or 2026-10-12; write the date as 2026-12-10 "
            "to say which.",
        ),
        (
            "2027-03-28 02:30",
            Reason.SKIPPED,
            "02:30 does not exist on 2027-03-28 in Europe/Rome: the clocks jump forward "
            "over it. Choose a time outside that hour.",
        ),
        (
            "2027-10-31 02:30",
            Reason.REPEATED,
            "02:30 happens twice on 2027-10-31 in Europe/Rome: the clocks go back over it. "
            "Choose a time outside that hour, or give it in UTC (--tz UTC).",
        ),
        ("next blursday", Reason.UNREADABLE, None),
    ],
)
def test_refusals_say_why(text: str, reason: Reason, sentence: str | None) -> None:
    found = read_when(text, NOW, ROME)
    assert isinstance(found, Refusal) and found.reason is reason
    if sentence is not None:
        assert found.text(EN) == sentence
    assert found.text(translator("it")) != found.text(EN)


instants = st.datetimes(
    min_value=datetime(2027, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
).map(lambda moment: moment.replace(second=0, microsecond=0))


@given(moment=instants, where=st.sampled_from(ZONES))
@example(moment=datetime(2027, 10, 31, 0, 30, tzinfo=UTC), where=ROME)  # 02:30 CEST
@example(moment=datetime(2027, 10, 31, 1, 30, tzinfo=UTC), where=ROME)  # 02:30 CET
@example(moment=datetime(2027, 3, 28, 1, 30, tzinfo=UTC), where=ROME)  # 03:30 CEST
def test_a_rendered_time_reads_back_to_its_instant(moment: datetime, where: ZoneInfo) -> None:
    """Written on the zone's wall clock the way a manager would, a time reads back to the
    same instant, unless that wall-clock time happens twice (then it is refused)."""
    local = moment.astimezone(where)
    written = local.strftime("%Y-%m-%d %H:%M")
    found = read_when(written, NOW, where)
    if wall_clock(local.replace(tzinfo=None), where) is Reason.REPEATED:
        assert isinstance(found, Refusal) and found.reason is Reason.REPEATED
    else:
        assert isinstance(found, When) and found.at == moment
        assert found.local == local.replace(tzinfo=None)


@given(moment=instants, where=st.sampled_from(ZONES), days=st.integers(0, 6))
def test_weekday_and_tomorrow_forms_read_back(moment: datetime, where: ZoneInfo, days: int) -> None:
    now = moment - timedelta(days=days, hours=1)
    local = moment.astimezone(where)
    assume(wall_clock(local.replace(tzinfo=None), where) is None)
    assume(local.date() - now.astimezone(where).date() <= timedelta(days=6))
    for names in (
        ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
        ("lun", "mar", "mer", "gio", "ven", "sab", "dom"),
        ("пн", "вт", "ср", "чт", "пт", "сб", "вс"),
    ):
        written = f"{names[local.weekday()]} {local:%H:%M}"
        found = read_when(written, now, where)
        assert isinstance(found, When) and found.at == moment, written


@given(
    day=st.dates(min_value=datetime(2027, 1, 1).date(), max_value=datetime(2034, 12, 31).date()),
    minute=st.integers(0, 24 * 60 - 1),
    where=st.sampled_from(ZONES),
)
@example(day=date(2027, 3, 28), minute=150, where=ROME)  # 02:30, skipped
@example(day=date(2027, 10, 31), minute=150, where=ROME)  # 02:30, twice
@example(day=date(2027, 4, 4), minute=105, where=ZoneInfo("Australia/Lord_Howe"))  # 01:45
@example(day=date(2027, 10, 3), minute=135, where=ZoneInfo("Australia/Lord_Howe"))  # 02:15
def test_gaps_and_overlaps_are_refused_and_every_other_time_exists_once(
    day: date, minute: int, where: ZoneInfo
) -> None:
    local = datetime.combine(day, datetime.min.time()) + timedelta(minutes=minute)
    written = local.strftime("%Y-%m-%d %H:%M")
    found = read_when(written, NOW, where)
    kind = wall_clock(local, where)
    first, second = local.replace(tzinfo=where, fold=0), local.replace(tzinfo=where, fold=1)
    if kind is None:
        assert isinstance(found, When)
        assert found.at.astimezone(where).replace(tzinfo=None) == local
    else:
        assert isinstance(found, Refusal) and found.reason is kind
        assert first.utcoffset() != second.utcoffset()
        back = {d.astimezone(UTC).astimezone(where).replace(tzinfo=None) for d in (first, second)}
        assert (local in back and len(back) == 1) == (kind is Reason.REPEATED)
