"""A period's figures as ``/stats`` shows them: the period and the one before, with the
top contributors named. Shared by the feature and the dashboard's analytics page, so the
two cannot disagree."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from townsquare.core.analytics.metrics import Summary, summarize
from townsquare.core.analytics.rules import day_of
from townsquare.core.analytics.store import AnalyticsStore, Contributor, Window
from townsquare.core.persons import PersonDirectory

TOP = 3
"""Top contributors shown in each list."""


async def periods(
    store: AnalyticsStore,
    persons: PersonDirectory,
    tx: Any,
    scope: str,
    days: int,
    now: datetime,
) -> tuple[Window, Summary, Summary]:
    """The last ``days`` days of ``scope`` up to ``now`` (its window and summary, the top
    contributors named) and the summary of the ``days`` before them."""
    today = day_of(now)
    window = await store.window(scope, today - days + 1, today)
    before = await store.window(scope, today - 2 * days + 1, today - days, brief=True)
    summary = replace(
        summarize(window, today),
        top_thanked=await named(persons, tx, window.thanked),
        top_answerers=await named(persons, tx, await by_person(persons, tx, window.answerers)),
    )
    return window, summary, summarize(before, today)


async def by_person(
    persons: PersonDirectory, tx: Any, answerers: tuple[tuple[str, str, int], ...]
) -> tuple[tuple[int, int], ...]:
    """The accounts' counts added up per person (linked accounts are one), most first."""
    by_platform: dict[str, list[str]] = {}
    for platform, user_id, _n in answerers:
        by_platform.setdefault(platform, []).append(user_id)
    found: dict[tuple[str, str], int] = {}
    for platform, users in by_platform.items():
        known = await persons.persons_of(tx, platform, users, create=False)
        found |= {(platform, user): person for user, person in known.items()}
    counts: dict[int, int] = {}
    for platform, user_id, n in answerers:
        person = found.get((platform, user_id))
        if person is not None:
            counts[person] = counts.get(person, 0) + n
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


async def named(
    persons: PersonDirectory, tx: Any, counted: tuple[tuple[int, int], ...]
) -> tuple[Contributor, ...]:
    """The first :data:`TOP` with the name the directory knows them by, if any."""
    top = counted[:TOP]
    names: dict[int, str] = {}
    for person, _n in top:
        for _platform, _user, name in await persons.accounts(tx, [person]):
            if name and person not in names:
                names[person] = name
    return tuple(Contributor(person, n, names.get(person, "")) for person, n in top)
