"""Every command that takes an id, and every button the bot sent, tried from another
community on each platform: it answers exactly as an unknown id does and changes nothing.

The list of id-taking commands is derived from the registered specs
(:func:`core.commands.id_forms`), so a future command is covered as soon as it exists;
its kind of id only needs a way to create one here (:data:`CREATE`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from tests.escalation.support import Clock, Place, take
from tests.harness import play
from tests.hostile.support import (
    ANN,
    BEN,
    BOT,
    MALLORY,
    MIA,
    feature_state,
    places,
    press_at,
    two_communities,
)
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import Action, AnswerButton, SendDirect, SendEphemeral, SendMessage
from townsquare.core.commands import CommandSpec, id_forms
from townsquare.core.scope import MAX_ID

PLATFORMS = ["telegram", "discord", "slack"]
UNKNOWN = 424242


async def new_poll(runtime: Runtime, a: Place) -> int:
    await play(runtime, a.command("poll", '"Lunch?" Pizza Sushi', who=ANN))
    return 1


async def new_case(runtime: Runtime, a: Place) -> int:
    rude = a.say(MALLORY, "rude")
    await play(runtime, rude, a.command("report", "spam", who=MIA, reply_to=rude))
    return 1


async def new_faq(runtime: Runtime, a: Place) -> int:
    await play(runtime, a.command("faq", 'add "How do I join?" "Ask at the desk."', who=ANN))
    return 1


async def new_unanswered(runtime: Runtime, a: Place) -> int:
    await play(runtime, a.command("faq", "where is the parking for bicycles", who=MIA))
    return 1


async def new_giveaway(runtime: Runtime, a: Place) -> int:
    await play(runtime, a.command("giveaway", '"A mug" --ends 1d', who=ANN))
    return 1


async def new_event(runtime: Runtime, a: Place) -> int:
    await play(runtime, a.command("event", '"Meetup" 2030-01-10 19:00 --capacity 3', who=ANN))
    return 1


async def new_announcement(runtime: Runtime, a: Place) -> int:
    await play(runtime, a.command("announce", '--at "2030-01-10 19:00" Hello', who=ANN))
    return 1


async def new_idea(runtime: Runtime, a: Place) -> int:
    await play(runtime, a.command("feedback", "A dark mode for the mobile app", who=MIA))
    return 1


async def new_feedback_draft(runtime: Runtime, a: Place) -> int:
    """An idea held back while a similar one (:func:`new_idea`) is offered."""
    await play(runtime, a.command("feedback", "please add dark mode to the app", who=MIA))
    return 1


CREATE: dict[str, Callable[[Runtime, Place], Awaitable[int]]] = {
    "poll": new_poll,
    "case": new_case,
    "faq": new_faq,
    "unanswered": new_unanswered,
    "giveaway": new_giveaway,
    "event": new_event,
    "announcement": new_announcement,
    "idea": new_idea,
    "feedback-draft": new_feedback_draft,
}
"""How to make, in community A, one thing of each kind an id names (id 1)."""


def registered(runtime: Runtime) -> list[CommandSpec]:
    return [spec for feature in runtime.features for spec, _h in feature.command_handlers()]


def answers(actions: list[Action], shown: str) -> list[str]:
    """What the caller was told, with the id they gave replaced by ``<id>``."""
    said: list[str] = []
    for action in actions:
        if isinstance(action, SendMessage | SendEphemeral | SendDirect):
            said.append(action.text.plain().replace(shown, "<id>"))
        elif isinstance(action, AnswerButton):
            said.append(f"toast: {action.toast.replace(shown, '<id>')}")
        else:
            said.append(type(action).__name__)
    return said


def argv_for(spec_path: tuple[str, ...], spec: CommandSpec, id_value: str) -> str:
    """``sub ... <id> 1 ...``: the id, and ``1`` for every other required parameter."""
    node = spec
    for name in spec_path[1:]:
        sub = node.subcommand(name)
        assert sub is not None
        node = sub
    words = list(spec_path[1:])
    for param in node.params:
        if param.ref is not None:
            words.append(id_value)
        elif param.required:
            words.append("1")
    return " ".join(words)


async def test_every_id_parameter_declares_what_it_names(sqlite_url: str) -> None:
    """A parameter that looks like an id (``id``, ``*_id``) without ``ref`` would bypass
    the community guard: every registered one declares its kind, and each kind can be
    made here."""
    async with two_communities(sqlite_url, "telegram", Clock()) as (runtime, _adapter):
        specs = registered(runtime)

    def walk(spec: CommandSpec, path: str) -> list[str]:
        bare = [
            f"{path} <{param.name}>"
            for param in spec.params
            if (param.name == "id" or param.name.endswith("_id")) and param.ref is None
        ]
        for sub in spec.subcommands:
            bare += walk(sub, f"{path} {sub.name}")
        return bare

    assert [form for spec in specs for form in walk(spec, "/" + spec.name)] == []
    kinds = {param.ref.kind for spec in specs for _p, param in id_forms(spec) if param.ref}
    assert kinds <= set(CREATE), f"add a creator for {sorted(kinds - set(CREATE))}"
    paths = sorted(" ".join(path) for spec in specs for path, _param in id_forms(spec))
    assert {"poll close", "poll results", "poll export", "vote", "case"} <= set(paths)
    assert {"faq edit", "faq remove", "faq dismiss", "faq helpful", "faq nothelpful"} <= set(paths)
    assert {"giveaway enter", "giveaway verify", "giveaway reroll", "giveaway end"} <= set(paths)
    assert {"event rsvp", "event edit", "event cancel", "event export", "event ics"} <= set(paths)


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_an_id_from_another_community_is_an_unknown_id(
    sqlite_url: str, platform: str
) -> None:
    clock = Clock()
    a, b = places(platform, clock)
    async with two_communities(sqlite_url, platform, clock) as (runtime, adapter):
        specs = registered(runtime)
        await play(runtime, a.command("managers", "here", who=ANN))
        made = {kind: await create(runtime, a) for kind, create in CREATE.items()}
        take(adapter)
        tried = []
        for spec in specs:
            for path, param in id_forms(spec):
                assert param.ref is not None
                theirs = str(made[param.ref.kind])
                before = await feature_state(runtime)
                await play(runtime, b.command(path[0], argv_for(path, spec, theirs), who=BEN))
                crossed = answers(take(adapter), theirs)
                assert await feature_state(runtime) == before, f"/{' '.join(path)} changed A"
                await play(runtime, b.command(path[0], argv_for(path, spec, str(UNKNOWN)), who=BEN))
                unknown = answers(take(adapter), str(UNKNOWN))
                assert crossed == unknown, f"/{' '.join(path)} told B more than for an unknown id"
                assert crossed == [param.ref.unknown.replace("{id}", "<id>")]
                tried.append(" ".join(path))
        # the same commands in A itself do reach the things (the test would see a leak)
        await play(runtime, a.command("poll", "results 1", who=ANN))
        assert "Lunch?" in answers(take(adapter), "1")[0]
        assert len(tried) >= 10


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_buttons_count_only_where_the_bot_sent_them(sqlite_url: str, platform: str) -> None:
    """Every button the bot sent in A, pressed from B (a forged or copied payload), does
    nothing there; a poll button pressed on another message of A's own chat neither."""
    clock = Clock()
    a, b = places(platform, clock)
    elsewhere_in_a = Place(BOT, platform, "A1", "a-random", title="Alpha", clock=clock)
    async with two_communities(sqlite_url, platform, clock) as (runtime, adapter):
        await play(runtime, a.command("managers", "here", who=ANN))
        for create in CREATE.values():
            await create(runtime, a)
        await play(runtime, a.command("faq", "How do I join?", who=MIA))
        buttons = sorted(
            {
                button.data
                for action in take(adapter)
                for row in getattr(action, "buttons", ())
                for button in row
            }
        )
        assert {"poll:1:0", "case:1:claim", "faq:1:y", "giveaway:1", "ev:1:going"} <= set(buttons)
        for data in buttons:
            for where, who in ((b, BEN), (b, MIA), (elsewhere_in_a, ANN)):
                if where is elsewhere_in_a and not data.startswith(("poll:", "giveaway:", "ev:")):
                    continue  # in A itself only polls, giveaways, events: bound to one message
                before = await feature_state(runtime)
                await play(runtime, press_at(where, data, who, "m1"))
                done = take(adapter)
                assert await feature_state(runtime) == before, f"{data} in {where.channel_id}"
                assert all(isinstance(action, AnswerButton) for action in done), done
        poll = await runtime.store.sent_message(BOT, "poll:1")
        assert poll is not None
        await play(runtime, press_at(a, "poll:1:0", MIA, poll.message_id))
        assert next(getattr(x, "toast", "") for x in take(adapter)) == "Vote recorded"


@pytest.mark.parametrize(
    "data",
    ["poll:99999999999999999999999:0", f"poll:{MAX_ID + 1}:0", "case:1" + "0" * 30 + ":claim"],
)
async def test_payload_numbers_too_large_for_sql_are_unknown_ids(
    sqlite_url: str, data: str
) -> None:
    clock = Clock()
    a, _b = places("telegram", clock)
    async with two_communities(sqlite_url, "telegram", clock) as (runtime, adapter):
        await play(runtime, a.press(data, who=ANN))
        assert runtime.metrics.snapshot().get("feature_errors.escalation", 0) == 0
        done = take(adapter)
        assert [type(action).__name__ for action in done] in ([], ["AnswerButton"])
        await play(runtime, a.command("case", "9" * 40, who=ANN))
        assert answers(take(adapter), "9" * 23 + "…") == ["There is no case #<id>."]


def test_an_id_parameter_without_a_resolver_is_refused_at_start() -> None:
    from townsquare.core.commands import Invocation, Param
    from townsquare.core.features import Context, Feature, command
    from townsquare.core.scope import IdRef

    ticket = IdRef("ticket", "There is no ticket #{id}.")

    class Tickets(Feature):
        name = "tickets"

        @command(CommandSpec("ticket", "A ticket", params=(Param("id", ref=ticket),)))
        async def show(self, invocation: Invocation, ctx: Context) -> None: ...

    with pytest.raises(ValueError, match="no @resolves"):
        Tickets().command_handlers()
