"""Whose warnings count where: warnings follow the person, within the communities one
team of managers handles.

A warning is given to an account in one community and stored with that account's person
(:meth:`core.persons.PersonDirectory.person_of`). What counts for a member, in the
threshold ladder, the warning notices and ``/warnings``, is every active warning of
their person (all the ids :meth:`~core.persons.PersonDirectory.aliases` names, so a
Discord account linked to a Telegram one brings its warnings along) given in this
community, in another community of its space (``[[spaces]]``: one community on several
platforms), or in any community whose cases go to the same managers' inbox: the same
managers, one ledger. A community in no space and without an inbox counts its own
warnings only, as before people were linked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from townsquare.core.escalation.store import Case, EscalationStore, WarningRecord
from townsquare.core.features import Context
from townsquare.core.inbox import managers_inbox
from townsquare.core.persons import PersonDirectory, account_platform
from townsquare.core.refs import Actor, CommunityRef

Place = tuple[str, str]
"""A community as ``(platform, community_id)``."""


@dataclass(frozen=True, slots=True)
class Ledger:
    store: EscalationStore
    people: PersonDirectory | None
    """None: each account is its own person."""

    async def _person(self, ctx: Context, platform: str, user_id: str) -> int | None:
        if self.people is None:
            return None
        return await self.people.person_of(ctx.tx, platform, user_id)

    async def give(
        self,
        ctx: Context,
        community: CommunityRef,
        target: Actor,
        issued_by: Actor,
        reason: str | None,
        ttl: timedelta,
        case: Case | None,
    ) -> None:
        await self.store.add_warning(
            platform=community.platform,
            community_id=community.id,
            target=target,
            reason=reason,
            issued_by=issued_by,
            issued_at=ctx.now,
            expires_at=ctx.now + ttl,
            case_id=case.id if case else None,
            person_id=await self._person(ctx, community.platform, target.user_id),
        )

    async def active(
        self, ctx: Context, bot: str, community: CommunityRef, member: Actor
    ) -> list[WarningRecord]:
        """``member``'s active warnings that count in ``community`` (served by ``bot``),
        oldest first."""
        person = await self._person(ctx, community.platform, member.user_id)
        persons = frozenset() if person is None else await self._aliases(ctx, person)
        found = await self.store.active_warnings(
            platform=community.platform, user_id=member.user_id, persons=persons, now=ctx.now
        )
        here = (community.platform, community.id)
        others = {(w.platform, w.community_id) for w in found} - {here}
        counted = {here} | _same_space(ctx, bot, community)
        counted |= await _same_managers(ctx, community, others - counted)
        return [w for w in found if (w.platform, w.community_id) in counted]

    async def _aliases(self, ctx: Context, person: int) -> frozenset[int]:
        assert self.people is not None
        return await self.people.aliases(ctx.tx, person)


def _same_space(ctx: Context, bot: str, community: CommunityRef) -> set[Place]:
    """The communities of ``community``'s space, as warnings name them."""
    space = ctx.spaces.of(bot, community.id)
    if space is None:
        return set()
    return {
        (account_platform(info.platform), place.community_id)
        for place in space.places
        if (info := ctx.bots.get(place.bot)) is not None
    }


async def _same_managers(ctx: Context, community: CommunityRef, others: set[Place]) -> set[Place]:
    """Those of ``others`` whose managers' inbox is ``community``'s."""
    if not others:
        return set()
    inbox = await managers_inbox(ctx, community)
    if inbox is None:
        return set()
    mine = (inbox.bot, inbox.channel.id, inbox.channel.thread_id)
    same: set[Place] = set()
    for platform, community_id in sorted(others):
        theirs = await managers_inbox(ctx, CommunityRef(platform, community_id))
        if theirs is not None and (theirs.bot, theirs.channel.id, theirs.channel.thread_id) == mine:
            same.add((platform, community_id))
    return same
