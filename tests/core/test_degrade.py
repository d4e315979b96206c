"""Capability fallbacks are visible, never silent."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import migrate
from tests.support import CHANNEL, COMMUNITY, said
from townsquare.core.actions import Button, RestrictMember, SendEphemeral, SendMessage
from townsquare.core.capabilities import Capability
from townsquare.core.degrade import degrade
from townsquare.core.dispatcher import Dispatcher
from townsquare.core.events import MessagePosted
from townsquare.core.features import BotInfo, Context, Feature, on
from townsquare.core.i18n import Translator
from townsquare.core.pipeline import Pipeline
from townsquare.core.text import as_text
from townsquare.storage.database import create_engine
from townsquare.storage.store import SqlStore

EVERYTHING = frozenset(Capability)


def test_buttons_become_commands_to_type() -> None:
    action = SendMessage(
        bot="b",
        channel=CHANNEL,
        text=as_text("Lunch?"),
        buttons=((Button("Pizza", "poll:1:0", fallback="/vote 1 1"),),),
    )
    (degraded,) = degrade(action, EVERYTHING - {Capability.BUTTONS})
    assert isinstance(degraded, SendMessage) and degraded.buttons == ()
    assert degraded.text.plain() == "Lunch?\n\nPizza: /vote 1 1"
    assert degrade(action, EVERYTHING) == [action]


def test_mute_without_restrict_becomes_a_notice() -> None:
    mute = RestrictMember(bot="b", community=COMMUNITY, channel=CHANNEL, user_id="u1")
    (notice,) = degrade(mute, EVERYTHING - {Capability.RESTRICT})
    assert (
        isinstance(notice, SendMessage) and "managers need to do it by hand" in notice.text.plain()
    )


def test_ephemeral_without_support_goes_private_with_a_fallback() -> None:
    action = SendEphemeral(
        bot="b", channel=CHANNEL, user_id="u1", display_name="Bob", text=as_text("only you")
    )
    (direct,) = degrade(action, EVERYTHING - {Capability.EPHEMERAL})
    assert direct.kind == "send_direct" and direct.fallback_channel == CHANNEL  # type: ignore[union-attr]


def test_fallback_sentences_are_in_the_community_language() -> None:
    mute = RestrictMember(bot="b", community=COMMUNITY, channel=CHANNEL, user_id="u1")
    (notice,) = degrade(mute, EVERYTHING - {Capability.RESTRICT}, Translator("ru"))
    assert isinstance(notice, SendMessage)
    assert notice.text.plain().startswith("Эта платформа не позволяет мне ограничивать")


async def test_the_dispatcher_degrades_in_the_language_set_with_lang(sqlite_url: str) -> None:
    """A feature muting on a platform that cannot: the notice managers read is Italian
    once the community chose Italian."""

    class Muter(Feature):
        name = "muter"

        @on(MessagePosted)
        async def mute(self, event: MessagePosted, ctx: Context) -> None:
            assert event.community is not None and event.actor is not None
            ctx.emit(
                RestrictMember(
                    bot=ctx.bot.name,
                    community=event.community,
                    channel=event.channel,
                    user_id=event.actor.user_id,
                )
            )

    await migrate(sqlite_url)
    engine = create_engine(sqlite_url)
    store = SqlStore(engine)
    bot = BotInfo("mem", "memory", EVERYTHING - {Capability.RESTRICT})
    dispatcher = Dispatcher([Muter()], bots={"mem": bot})
    pipeline = Pipeline(store, dispatcher)
    try:
        async with store.transaction() as tx:
            await tx.set_setting(COMMUNITY, "locale", "it", datetime.now(UTC))
        (notice,) = await pipeline.process([said("hello")])
    finally:
        await engine.dispose()
    assert isinstance(notice, SendMessage)
    assert notice.text.plain().startswith("Questa piattaforma non mi permette di silenziare")
