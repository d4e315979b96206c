"""Adding FAQ entries, for ``/faq add`` and ``townsquare faq import`` alike.

What is refused is decided here once: an entry that breaks a rule (:func:`invalid`: an
empty or too long question or answer), and one whose question an entry already asks
(:meth:`FaqEntries.same_question`: the same normalised question in the community's
language, so "Reset password?" asks what "How do I reset my password?" asks). ``/faq add``
refuses both; an import refuses the first, and the second too between two rows of one
file (:func:`check_rows`), while a row that asks an existing entry's question updates that
entry's answer (a file exported, edited and imported back changes entries, never doubles
them).

Every write moves the community's FAQ revision forward first (:meth:`FaqStore.bump`), so
each process's in-memory index (:mod:`core.faq.index`) patches itself in on its next use;
the duplicate check reads that same index.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from townsquare.core.faq import rules
from townsquare.core.faq.index import CommunityIndex, Indexes
from townsquare.core.faq.store import Entry, FaqStore, NewEntry
from townsquare.core.matching.text import normalised_question
from townsquare.core.refs import CommunityRef


@dataclass(frozen=True, slots=True)
class Invalid:
    """The entry breaks a rule; ``template`` and ``values`` are for the translator."""

    template: str
    values: Mapping[str, int] = field(default_factory=dict)

    def english(self) -> str:
        return self.template.format(**self.values)


@dataclass(frozen=True, slots=True)
class SameQuestion:
    """An entry already asks this question."""

    entry: Entry


@dataclass(frozen=True, slots=True)
class Repeated:
    """A row of an import asks what an earlier row (``first``, 0-based) asks."""

    first: int


Refusal = Invalid | SameQuestion


def clean(text: str) -> str:
    """The text as it is stored: without surrounding white space."""
    return text.strip()


def invalid(question: str, answer: str) -> Invalid | None:
    problem = rules.validate_entry(question, answer)
    if problem is None:
        return None
    template, values = problem
    return Invalid(template, values)


def question_key(question: str, language: str) -> str:
    """What "the same question" means: its normalised form in the community's language."""
    return normalised_question(question, language)


def check_rows(rows: Sequence[tuple[str, str]], language: str) -> dict[int, Invalid | Repeated]:
    """The problems of an import's ``(question, answer)`` rows, by row (0-based): each that
    :func:`invalid` refuses, and each asking what an earlier row asks."""
    problems: dict[int, Invalid | Repeated] = {}
    seen: dict[str, int] = {}
    for number, (question, answer) in enumerate(rows):
        problem = invalid(clean(question), clean(answer))
        if problem is not None:
            problems[number] = problem
            continue
        key = question_key(question, language)
        if key in seen:
            problems[number] = Repeated(seen[key])
        else:
            seen[key] = number
    return problems


def same_in(index: CommunityIndex, question: str, language: str) -> Entry | None:
    """The entry of ``index`` asking ``question`` (among the closest matches), if any."""
    key = question_key(question, language)
    for entry, _score in index.search(question, limit=3):
        if question_key(entry.question, language) == key:
            return entry
    return None


class FaqEntries:
    """A community's entries over one transaction's store, in one language."""

    def __init__(self, store: FaqStore, indexes: Indexes, language: str) -> None:
        self.store = store
        self.indexes = indexes
        self.language = language

    async def _index(self, community: CommunityRef) -> CommunityIndex:
        return await self.indexes.get(self.store, community, self.language)

    async def same_question(self, community: CommunityRef, question: str) -> Entry | None:
        return same_in(await self._index(community), question, self.language)

    async def add(
        self,
        community: CommunityRef,
        question: str,
        answer: str,
        now: datetime,
        author: tuple[str, str] | None = None,
    ) -> int | Refusal:
        """The new entry's id, or why it is refused (nothing is written then).
        ``author``: who adds it, ``(platform, user_id)``."""
        question, answer = clean(question), clean(answer)
        problem = invalid(question, answer)
        if problem is not None:
            return problem
        same = await self.same_question(community, question)
        if same is not None:
            return SameQuestion(same)
        revision = await self.store.bump(community, now)
        platform, user_id = author if author is not None else (None, None)
        fresh = NewEntry(question, answer, author_id=user_id, author_platform=platform)
        (entry_id,) = await self.store.add(community, [fresh], revision.number, now)
        return entry_id

    async def put_many(
        self,
        community: CommunityRef,
        rows: Sequence[NewEntry],
        now: datetime,
        *,
        chunk: int = 200,
        progress: Callable[[int], None] = lambda _done: None,
    ) -> tuple[int, int]:
        """Import rows :func:`check_rows` found nothing wrong with, under one revision: a
        new question is added, one an entry asks updates its answer; ``(added, updated)``.
        ``progress`` is told how many rows each chunk handled."""
        index = await self._index(community)
        revision = await self.store.bump(community, now)
        added = updated = 0
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            fresh: list[NewEntry] = []
            for row in part:
                question, answer = clean(row.question), clean(row.answer)
                known = same_in(index, question, self.language)
                if known is None:
                    fresh.append(NewEntry(question, answer))
                elif known.answer != answer:
                    await self.store.edit(community, known.id, revision.number, now, answer=answer)
                    updated += 1
            added += len(await self.store.add(community, fresh, revision.number, now))
            progress(len(part))
        return added, updated
