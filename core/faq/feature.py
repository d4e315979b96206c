"""``/faq`` and automatic answers to questions members ask in the chat.

Members: ``/faq <words>`` answers with the best entry, or offers up to three when several
are about as good (buttons, or ``/faq <id>`` to type). A message that looks like a question
(a question mark, or an interrogative opening in English, Italian or Russian) and matches
one entry clearly (:data:`core.faq.rules.AUTO`) is answered in place, at most once per
entry and channel within :data:`core.faq.rules.COOLDOWN` (stored, so a restart does not
repeat an answer). Small talk never triggers. Answers carry "Helpful / Not helpful"
buttons (:class:`~core.faq.rules.FaqButton`, ``faq:<id>:y|n``; ``/faq helpful <id>`` and
``/faq nothelpful <id>`` where there are no buttons) whose votes show in ``/faq list``.

Managers: ``/faq add "question" "answer"`` (the answer may also be the unquoted rest of the
line), ``/faq edit <id> "answer" [--question "..."]``, ``/faq remove <id>``,
``/faq list [page]`` (hits and votes), ``/faq unanswered`` (the most asked questions that
matched nothing), ``/faq dismiss <id>`` (drop one of those), ``/faq auto on|off``.

Unanswered questions are what ``/faq`` searches found nothing for, plus questions in the
chat that matched nothing in a community that has entries (a community that does not use
the FAQ keeps no record of its members' questions). They are counted under their
normalised form, so "How to pay?" and "how do I pay" are one line.

In a space (``[[spaces]]``) every community uses the space's one FAQ and list of unanswered
questions (:attr:`~core.features.Context.shared_community`); ``/faq auto`` stays each
community's own setting.

Subcommand names win: a search whose first word is ``add``, ``edit``, ``remove``,
``list``, ``unanswered``, ``dismiss``, ``auto``, ``helpful`` or ``nothelpful`` is read as
that subcommand (the command grammar decides before the feature runs). Quote such a
question to search for it: ``/faq "list of rules"``. Questions almost never start with
those words; they start with "how", "what", "come", "как"..., which is why the common path
needs no quoting.

Discord bots without the MESSAGE_CONTENT intent cannot read ordinary messages: automatic
answers are off there (``/settings`` says so) except for messages that mention the bot,
whose text Discord still delivers, while ``/faq`` works.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, assert_never

from townsquare.core.capabilities import Capability
from townsquare.core.commands import (
    Invocation,
)
from townsquare.core.events import MessagePosted
from townsquare.core.faq import facts, rules
from townsquare.core.faq.cards import card, choice_buttons, stats_line, vote_buttons
from townsquare.core.faq.index import CommunityIndex, Indexes
from townsquare.core.faq.rules import Choice, FaqButton
from townsquare.core.faq.service import FaqEntries, Invalid, SameQuestion
from townsquare.core.faq.specs import FAQ, FAQ_ID, UNANSWERED_ID, unquote
from townsquare.core.faq.store import Entry, FaqStore
from townsquare.core.features import Context, Feature, command, on, pressed, resolves, subcommand
from townsquare.core.i18n import Translator, _
from townsquare.core.matching.matcher import LexicalMatcher, MatcherFactory
from townsquare.core.matching.text import looks_like_question, normalised_question, terms
from townsquare.core.persons import account_platform
from townsquare.core.privacy import KeepsPersonalData
from townsquare.core.refs import CommunityRef
from townsquare.core.scope import Owned, parse_id
from townsquare.core.settings import FeatureSettings, setting
from townsquare.core.text import TextLike, bold, code, compose, italicise, lines

AUTO_SETTING = "faq_auto"


@dataclass(frozen=True, slots=True)
class FaqSettings(FeatureSettings):
    namespace: ClassVar[str] = "faq"
    auto: bool = setting(True, key=AUTO_SETTING)
    """Answer questions asked in the chat (``/faq auto on|off``)."""


StoreFactory = Callable[[Any], FaqStore]


class Faq(KeepsPersonalData, Feature):
    name = "faq"
    settings_models = (FaqSettings,)

    def __init__(
        self,
        store: StoreFactory,
        matcher: MatcherFactory = LexicalMatcher,
    ) -> None:
        self.store = store
        self.indexes = Indexes(matcher)

    def use_matcher(self, matcher: MatcherFactory) -> None:
        """Match with ``matcher`` from now on (the operator's ``[faq] embedding_model``);
        indexes are built afresh on their next use."""
        self.indexes = Indexes(matcher)

    async def _index(self, ctx: Context, community: CommunityRef) -> CommunityIndex:
        language = ctx.tr.language
        return await self.indexes.get(self.store(ctx.tx), community, language)

    # -- members ------------------------------------------------------------------------

    @command(FAQ)
    async def faq(self, invocation: Invocation, ctx: Context) -> None:
        tr, community = ctx.tr, ctx.shared_community
        question = unquote(invocation.args.get("question"))  # type: ignore[arg-type]
        if not question:
            count = await self.store(ctx.tx).count(community)
            ctx.respond(
                lines(
                    compose(tr(_("Ask with {command}.")), command=code("/faq <question>")),
                    tr.plural(_("The FAQ has {n} entry."), _("The FAQ has {n} entries."), count),
                )
            )
            return
        store = self.store(ctx.tx)
        entry_id = rules.parse_id(question)
        if entry_id is not None:
            found = await self.find(FAQ_ID, entry_id, ctx)
            entry = found.thing if found is not None else None
            if entry is None:
                ctx.respond(tr(_("There is no FAQ entry #{id}."), id=entry_id))
                return
            await store.record_hit(entry.id)
            ctx.publish(facts.answered(ctx, entry.id))
            ctx.reply(card(entry), vote_buttons(entry.id, tr))
            return
        index = await self._index(ctx, community)
        found = index.search(question, limit=5)
        shown = rules.choices([(entry.id, score) for entry, score in found])
        if not shown:
            key = normalised_question(question, tr.language)
            await store.record_unanswered(community, key, question, ctx.now)
            ctx.publish(facts.unanswered(ctx, key))
            ctx.reply(tr(_("I have no answer to that yet; I noted the question for the managers.")))
            return
        if len(shown) == 1:
            entry = index.entries[shown[0]]
            await store.record_hit(entry.id)
            ctx.publish(facts.answered(ctx, entry.id))
            ctx.reply(card(entry), vote_buttons(entry.id, tr))
            return
        options = [index.entries[entry_id] for entry_id in shown]
        ctx.reply(
            lines(
                bold(tr(_("Did you mean:"))),
                *(compose("#{id} {question}", id=str(e.id), question=e.question) for e in options),
            ),
            choice_buttons(options),
        )

    @subcommand("faq", "helpful")
    async def _helpful(self, invocation: Invocation, ctx: Context) -> None:
        ctx.respond(await self._vote(_entry(invocation), True, ctx, ctx.tr))

    @subcommand("faq", "nothelpful")
    async def _nothelpful(self, invocation: Invocation, ctx: Context) -> None:
        ctx.respond(await self._vote(_entry(invocation), False, ctx, ctx.tr))

    async def _vote(self, entry: Entry, helpful: bool, ctx: Context, tr: Translator) -> str:
        actor = ctx.event.actor
        assert actor is not None
        changed = await self.store(ctx.tx).vote(entry.id, actor.user_id, helpful, ctx.now)
        if not changed:
            return tr(_("You already said that; thanks."))
        ctx.publish(facts.rated(ctx, entry, helpful))
        return tr(_("Thanks for the feedback!"))

    @pressed(FaqButton)
    async def chosen(self, data: FaqButton, ctx: Context) -> None:
        tr = ctx.tr
        found = await self.find(FAQ_ID, data.entry_id, ctx)
        entry = found.thing if found is not None else None
        if entry is None or ctx.press.actor is None:
            ctx.answer(tr(_("This FAQ entry no longer exists.")))
            return
        match data.choice:
            case Choice.SHOW:
                await self.store(ctx.tx).record_hit(entry.id)
                ctx.publish(facts.answered(ctx, entry.id))
                ctx.answer()
                ctx.reply(card(entry), vote_buttons(entry.id, tr))
            case Choice.HELPFUL | Choice.NOT_HELPFUL:
                helpful = data.choice is Choice.HELPFUL
                ctx.answer(await self._vote(entry, helpful, ctx, tr))
            case unreachable:
                assert_never(unreachable)

    @on(MessagePosted)
    async def posted(self, event: MessagePosted, ctx: Context) -> None:
        """Answer a question asked in the chat when one entry clearly matches.

        Only the text the platform delivered counts. A Discord bot without the
        MESSAGE_CONTENT intent gets ordinary messages blank, but still gets the text of a
        message that mentions it: "@townsquare how do I reset my password?" is answered
        there too."""
        community = event.community
        if community is None or event.actor is None or event.actor.is_bot or not event.text.strip():
            return
        tr = ctx.tr
        if not looks_like_question(event.text, tr.language):
            return
        if not (await ctx.settings(FaqSettings, community)).auto:
            return
        community = ctx.shared_community
        index = await self._index(ctx, community)
        if not index.entries:
            return
        found = index.search(event.text, limit=3)
        ranked = [(entry.id, score) for entry, score in found]
        entry_id = rules.auto_answer(ranked)
        store = self.store(ctx.tx)
        if entry_id is None:
            if (not ranked or ranked[0][1] < rules.FOUND) and terms(event.text, tr.language):
                key = normalised_question(event.text, tr.language)
                await store.record_unanswered(community, key, event.text.strip(), ctx.now)
                ctx.publish(facts.unanswered(ctx, key))
            return
        channel = event.channel
        assert channel is not None
        where = f"{event.bot}:{channel.id}:{channel.thread_id or ''}"
        last = await store.last_answered(entry_id, where)
        if last is not None and ctx.now - last < rules.COOLDOWN:
            return
        await store.answered(entry_id, where, ctx.now)
        await store.record_hit(entry_id)
        ctx.publish(facts.answered(ctx, entry_id, automatic=True))
        ctx.reply(card(index.entries[entry_id]), vote_buttons(entry_id, tr))

    # -- managers -----------------------------------------------------------------------

    @resolves(FAQ_ID)
    async def _entry_by_id(self, entry_id: int, ctx: Context) -> Owned[Entry] | None:
        community = ctx.event.community
        if community is None:
            return None
        entry = await self.store(ctx.tx).get(ctx.shared_community, entry_id)
        return Owned(entry, community.platform, community.id) if entry is not None else None

    @resolves(UNANSWERED_ID)
    async def _unanswered_by_id(self, item_id: int, ctx: Context) -> Owned[int] | None:
        community = ctx.event.community
        if community is None:
            return None
        if not await self.store(ctx.tx).has_unanswered(ctx.shared_community, item_id):
            return None
        return Owned(item_id, community.platform, community.id)

    def _problem(self, question: str, answer: str, ctx: Context, tr: Translator) -> bool:
        problem = rules.validate_entry(question, answer)
        if problem is not None:
            template, values = problem
            ctx.respond(tr(template, **values))
            return True
        return False

    @subcommand("faq", "add")
    async def _add(self, invocation: Invocation, ctx: Context) -> None:
        tr, community = ctx.tr, ctx.shared_community
        question = unquote(invocation.args.get("question"))  # type: ignore[arg-type]
        answer = unquote(invocation.args.get("answer"))  # type: ignore[arg-type]
        entries = FaqEntries(self.store(ctx.tx), self.indexes, tr.language)
        actor = ctx.event.actor
        author = (account_platform(ctx.event.platform), actor.user_id) if actor else None
        added = await entries.add(community, question, answer, ctx.now, author)
        match added:
            case Invalid(template, values):
                ctx.respond(tr(template, **values))
            case SameQuestion(same):
                ctx.respond(
                    compose(
                        tr(_("Entry #{id} already asks that. Change its answer with {command}.")),
                        id=str(same.id),
                        command=code(f'/faq edit {same.id} "..."'),
                    )
                )
            case int():
                ctx.respond(tr(_("FAQ entry #{id} added."), id=added))
            case _:
                assert_never(added)

    @subcommand("faq", "edit")
    async def _edit(self, invocation: Invocation, ctx: Context) -> None:
        tr, community = ctx.tr, ctx.shared_community
        entry = _entry(invocation)
        answer = unquote(invocation.args.get("answer"))  # type: ignore[arg-type]
        new_question = invocation.options.get("question")
        question = unquote(new_question) if isinstance(new_question, str) else entry.question
        if self._problem(question, answer, ctx, tr):
            return
        store = self.store(ctx.tx)
        revision = await store.bump(community, ctx.now)
        await store.edit(
            community,
            entry.id,
            revision.number,
            ctx.now,
            answer=answer,
            question=question if question != entry.question else None,
        )
        ctx.respond(tr(_("FAQ entry #{id} updated."), id=entry.id))

    @subcommand("faq", "remove")
    async def _remove(self, invocation: Invocation, ctx: Context) -> None:
        tr, community = ctx.tr, ctx.shared_community
        entry = _entry(invocation)
        store = self.store(ctx.tx)
        revision = await store.bump(community, ctx.now)
        await store.remove(community, entry.id, revision.number, ctx.now)
        ctx.respond(
            compose(
                tr(_("FAQ entry #{id} removed: {question}")),
                id=str(entry.id),
                question=entry.question,
            )
        )

    @subcommand("faq", "list")
    async def _list(self, invocation: Invocation, ctx: Context) -> None:
        tr, community = ctx.tr, ctx.shared_community
        store = self.store(ctx.tx)
        total = await store.count(community)
        if total == 0:
            ctx.respond(
                compose(
                    tr(_("The FAQ is empty. Add an entry with {command}.")),
                    command=code('/faq add "question" "answer"'),
                )
            )
            return
        pages = (total + rules.PAGE - 1) // rules.PAGE
        raw = invocation.args.get("page")
        page = parse_id(raw) or 1
        page = min(max(page, 1), pages)
        rows = await store.stats(community, offset=(page - 1) * rules.PAGE, limit=rules.PAGE)
        header = tr.plural(_("FAQ: {n} entry"), _("FAQ: {n} entries"), total)
        if pages > 1:
            header += " · " + tr(_("page {page} of {pages}"), page=page, pages=pages)
        ctx.respond(lines(bold(header), *(stats_line(row, tr) for row in rows)))

    @subcommand("faq", "unanswered")
    async def _unanswered(self, invocation: Invocation, ctx: Context) -> None:
        tr, community = ctx.tr, ctx.shared_community
        store = self.store(ctx.tx)
        index = await self._index(ctx, community)
        shown: list[TextLike] = []
        for item in await store.unanswered(community, limit=50):
            found = index.search(item.text, limit=1)
            if found and found[0][1] >= rules.FOUND:
                continue  # an entry answers it now
            shown.append(
                compose(
                    "{count}× {text} {meta}",
                    count=str(item.count),
                    text=bold(item.text),
                    meta=italicise(
                        compose(
                            tr(_("(#{id}, last asked {when})")),
                            id=str(item.id),
                            when=tr.moment(item.last_at, with_time=False),
                        )
                    ),
                )
            )
            if len(shown) == 10:
                break
        if not shown:
            ctx.respond(tr(_("No unanswered questions.")))
            return
        ctx.respond(
            lines(
                bold(tr(_("Most asked questions without an answer:"))),
                *shown,
                compose(
                    tr(_("Answer one with {add}, or drop it with {dismiss}.")),
                    add=code('/faq add "question" "answer"'),
                    dismiss=code("/faq dismiss <id>"),
                ),
            )
        )

    @subcommand("faq", "dismiss")
    async def _dismiss(self, invocation: Invocation, ctx: Context) -> None:
        tr, community = ctx.tr, ctx.shared_community
        found = invocation.found["id"]
        assert isinstance(found, Owned) and isinstance(found.thing, int)
        item_id = found.thing
        if not await self.store(ctx.tx).dismiss_unanswered(community, item_id):
            ctx.respond(tr(UNANSWERED_ID.unknown, id=item_id))
            return
        ctx.respond(tr(_("Unanswered question #{id} dropped."), id=item_id))

    @subcommand("faq", "auto")
    async def _auto(self, invocation: Invocation, ctx: Context) -> None:
        tr = ctx.tr
        state = str(invocation.args.get("state")).lower()
        if state not in ("on", "off"):
            ctx.respond(tr(_("Say on or off.")))
            return
        await ctx.update_settings(FaqSettings, auto=state == "on")
        if state == "off":
            ctx.respond(tr(_("Automatic FAQ answers are off; /faq still works.")))
        elif not ctx.can(Capability.MESSAGE_CONTENT):
            ctx.respond(
                tr(
                    _(
                        "Automatic FAQ answers are on, but this bot cannot read ordinary "
                        "messages on this platform: it answers /faq and messages that "
                        "mention it."
                    )
                )
            )
        else:
            ctx.respond(tr(_("Automatic FAQ answers are on.")))


def _entry(invocation: Invocation) -> Entry:
    """The entry the command's ``<id>`` named (resolved in the caller's community)."""
    found = invocation.found["id"]
    assert isinstance(found, Owned) and isinstance(found.thing, Entry)
    return found.thing
