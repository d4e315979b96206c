"""Declared routing through the real runtime: ``@subcommand`` handlers, the "needs a
community" guard, ``@pressed`` payloads and typed settings; and the declarations the
dispatcher refuses at start (a subcommand without a handler, a clashing prefix, a setting
two features claim)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Annotated, ClassVar

import pytest

from tests.conftest import migrate
from tests.support import COMMUNITY, MemoryAdapter, command, manager, pressed
from townsquare.bots.config import parse_config
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import AnswerButton
from townsquare.core.builtin import builtin_features
from townsquare.core.buttons import MaxLen, Payload, PayloadError
from townsquare.core.commands import CommandSpec, Invocation, Param
from townsquare.core.dispatcher import Dispatcher
from townsquare.core.features import Context, Feature, subcommand
from townsquare.core.features import command as on_command
from townsquare.core.features import pressed as on_press
from townsquare.core.refs import ChannelRef
from townsquare.core.settings import (
    FeatureSettings,
    Language,
    SettingsError,
    check_all,
    model,
    read,
    setting,
)

CLUB = CommandSpec(
    "club",
    "A club",
    params=(Param("motto", required=False, rest=True),),
    subcommands=(
        CommandSpec("join", "Join"),
        CommandSpec("leave", "Leave", subcommands=(CommandSpec("now", "Leave at once"),)),
    ),
    needs_community=True,
)


@dataclass(frozen=True, slots=True)
class Tap(Payload):
    prefix: ClassVar[str] = "club"
    item: int
    who: Annotated[str, MaxLen(20)] | None = None


@dataclass(frozen=True, slots=True)
class ClubSettings(FeatureSettings):
    namespace: ClassVar[str] = "club"
    motto: str = "none yet"
    size: int = setting(10, valid=lambda n: n > 0)
    open: bool = setting(True, key="club_open")
    """Stored before models existed, under its own key."""


class Club(Feature):
    name = "club"
    settings_models = (ClubSettings,)

    @on_command(CLUB)
    async def club(self, invocation: Invocation, ctx: Context) -> None:
        motto = invocation.args.get("motto")
        if isinstance(motto, str):
            await ctx.update_settings(ClubSettings, motto=motto)
        settings = await ctx.settings(ClubSettings)
        ctx.respond(f"root {ctx.community.id}: {settings}")

    @subcommand("club", "join")
    async def join(self, invocation: Invocation, ctx: Context) -> None:
        ctx.respond(ctx.tr("joined"))

    @subcommand("club", "leave")
    async def leave(self, invocation: Invocation, ctx: Context) -> None:
        ctx.respond(f"left by {' '.join(invocation.path)}")

    @on_press(Tap)
    async def tapped(self, tap: Tap, ctx: Context) -> None:
        ctx.answer(f"tap {tap.item} {tap.who} from {ctx.press.actor and ctx.press.actor.user_id}")


@pytest.fixture
async def club(sqlite_url: str) -> AsyncIterator[tuple[Runtime, MemoryAdapter]]:
    await migrate(sqlite_url)
    adapter = MemoryAdapter()
    config = parse_config(
        {"storage": {"url": sqlite_url}, "bots": [{"name": "mem", "platform": "console"}]},
        {},
        "test",
    )
    runtime = Runtime(
        config,
        features=[*builtin_features(), Club()],
        adapters={"mem": adapter},
        delivery_options={"poll_interval": 0.05},
    )
    await runtime.start()
    yield runtime, adapter
    await runtime.stop()


async def answers(club: tuple[Runtime, MemoryAdapter], *events: object) -> list[str]:
    runtime, adapter = club
    before = len(adapter.performed)
    for event in events:
        await runtime.pipeline.submit(event)  # type: ignore[arg-type]
    assert await runtime.worker.drain(timeout=10)
    return [
        a.toast if isinstance(a, AnswerButton) else a.text.plain()  # type: ignore[attr-defined]
        for a in adapter.performed[before:]
    ]


async def test_each_subcommand_runs_its_own_handler(club: tuple[Runtime, MemoryAdapter]) -> None:
    root, join, leave, now = await answers(
        club,
        command("club"),
        command("club", "join"),
        command("club", "leave"),
        command("club", "leave", "now"),
    )
    assert root.startswith("root c1: ClubSettings(motto='none yet'")
    assert (join, leave) == ("joined", "left by club leave")
    assert now == "left by club leave now", "the nearest declared ancestor handles it"


async def test_a_command_that_needs_a_community_is_refused_elsewhere(
    club: tuple[Runtime, MemoryAdapter],
) -> None:
    def in_private(event: object) -> object:
        return replace(event, community=None, channel=ChannelRef("dm", is_direct=True))  # type: ignore[type-var]

    answered = await answers(
        club, in_private(command("club")), in_private(command("club", "leave", "now"))
    )
    assert answered == ["Use this command in a community."] * 2


async def test_a_press_reaches_its_handler_parsed_and_garbled_data_reaches_none(
    club: tuple[Runtime, MemoryAdapter],
) -> None:
    answered = await answers(
        club,
        pressed(Tap(7, "x y").pack()),
        pressed("club:7"),
        pressed("club:07"),
        pressed("club:7:x y"),
        pressed("club:seven"),
        pressed("clubs:7"),
    )
    assert answered == ["tap 7 x y from bob", "tap 7 None from bob"]


async def test_settings_are_typed_namespaced_and_read_what_was_stored(
    club: tuple[Runtime, MemoryAdapter],
) -> None:
    runtime, _adapter = club
    async with runtime.store.transaction() as tx:
        from datetime import UTC, datetime

        now = datetime.now(UTC)
        await tx.set_setting(COMMUNITY, "club_open", False, now)  # as stored before models
        await tx.set_setting(COMMUNITY, "club.size", -3, now)  # invalid: the default
    (answer,) = await answers(club, command("club", "Be", "kind", who=manager()))
    assert answer == "root c1: ClubSettings(motto='Be kind', size=10, open=False)"
    async with runtime.store.transaction() as tx:
        stored = await tx.settings(COMMUNITY)
    assert stored["club.motto"] == "Be kind", "a new setting is stored under its namespace"
    (listing,) = await answers(club, command("settings", who=manager()))
    assert "club.motto: Be kind" in listing and "club_open: False" in listing


def test_reading_stored_values_falls_back_to_defaults() -> None:
    assert read(ClubSettings, {}) == ClubSettings()
    assert read(ClubSettings, {"club.size": 3, "club_open": False}) == ClubSettings(
        size=3, open=False
    )
    wrong = {"club.size": "3", "club_open": "no", "club.motto": None, "club.size ": 4}
    assert read(ClubSettings, wrong) == ClubSettings()
    assert model(ClubSettings).keys == ("club.motto", "club.size", "club_open")
    assert read(Language, {"locale": "it"}).locale == "it"
    with pytest.raises(TypeError, match="no setting colour"):
        model(ClubSettings).dump({"colour": "red"})


def test_two_features_may_not_claim_one_namespace_or_key() -> None:
    @dataclass(frozen=True, slots=True)
    class Thief(FeatureSettings):
        namespace: ClassVar[str] = "thief"
        open: bool = setting(False, key="club_open")

    @dataclass(frozen=True, slots=True)
    class Twin(FeatureSettings):
        namespace: ClassVar[str] = "club"

    with pytest.raises(SettingsError, match="'club_open' is claimed by club: ClubSettings"):
        check_all([("club", ClubSettings), ("thief", Thief)])
    with pytest.raises(SettingsError, match="namespace 'club'"):
        check_all([("club", ClubSettings), ("twin", Twin)])

    class Locale(Feature):
        name = "locale"
        settings_models = (replace_locale(),)

    with pytest.raises(SettingsError, match="'locale' is claimed by core"):
        Dispatcher([Locale()], bots={})


def replace_locale() -> type[FeatureSettings]:
    @dataclass(frozen=True, slots=True)
    class MyLanguage(FeatureSettings):
        namespace: ClassVar[str] = "mine"
        locale: str = setting("en", key="locale")

    return MyLanguage


def test_the_dispatcher_refuses_what_cannot_be_routed() -> None:
    class Partial(Feature):
        name = "partial"

        @on_command(CLUB)
        async def club(self, invocation: Invocation, ctx: Context) -> None: ...

        @subcommand("club", "join")
        async def join(self, invocation: Invocation, ctx: Context) -> None: ...

    class Stray(Feature):
        name = "stray"

        @on_command(CommandSpec("stray", "Stray"))
        async def stray(self, invocation: Invocation, ctx: Context) -> None: ...

        @subcommand("stray", "away")
        async def away(self, invocation: Invocation, ctx: Context) -> None: ...

    class SamePrefix(Feature):
        name = "same"

        @on_press(Tap)
        async def tapped(self, tap: Tap, ctx: Context) -> None: ...

    with pytest.raises(ValueError, match="/club leave has no @subcommand handler"):
        Dispatcher([Partial()], bots={})
    with pytest.raises(ValueError, match="/stray away is no form of /stray"):
        Dispatcher([Stray()], bots={})
    clashing = r"'club' \(same: Tap\) clashes with 'club' \(club: Tap\)"
    with pytest.raises(PayloadError, match=clashing):
        Dispatcher([Club(), SamePrefix()], bots={})
    Dispatcher([Club()], bots={})
