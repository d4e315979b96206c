"""A rules gate the platform refuses is never silent: when the mute of a newcomer, its
release or their removal is refused at delivery (the bot is not an administrator, lacks
the right, or the member outranks it), managers are told in the community's language what
could not be done to whom and what to fix, in their inbox or else in the channel.

Through the harness (a refusing in-memory adapter), the Telegram fake on both backends
(``restrictChatMember`` answered 400 "not enough rights"), and the Discord fake (the
timeout answered 403 Missing Permissions)."""

from __future__ import annotations

from tests.discord.conftest import World
from tests.fakes.bots import (
    discord_posts,
    discord_runtime,
    discord_slash_answer,
    running,
    telegram_bot,
)
from tests.fakes.discord import FakeDiscord
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from tests.onboarding.support import Harness, harness
from tests.support import member
from townsquare.core.actions import (
    Action,
    RemoveMember,
    RestrictMember,
    SendMessage,
    UnrestrictMember,
)
from townsquare.core.errors import PermanentDeliveryError
from townsquare.core.ports import Delivered
from townsquare.core.refs import ChannelRef

BOB = member("Bob")
MUTE_REFUSED = (
    "I could not mute {name}: the platform refused. Give me the permission to restrict "
    "members, with a role above theirs (owners and administrators cannot be muted), or mute "
    "them by hand."
)


def refuse(h: Harness, *kinds: type[Action]) -> None:
    """The harness's platform refuses every action of ``kinds`` (no right to do it)."""
    perform = h.adapter.perform

    async def refusing(action: Action) -> Delivered:
        if isinstance(action, kinds):
            raise PermanentDeliveryError("Bad Request: not enough rights")
        return await perform(action)

    h.adapter.perform = refusing  # type: ignore[method-assign]


def sent_to(h: Harness, channel: str) -> list[str]:
    return [a.text.plain() for a in h.performed(SendMessage) if a.channel == ChannelRef(channel)]


async def test_a_refused_gate_mute_and_removal_are_reported_in_the_inbox(sqlite_url: str) -> None:
    async with harness(sqlite_url, defaults={"escalate_to": "mem:mods"}) as h:
        refuse(h, RestrictMember, RemoveMember)
        await h.typed("/verify on")
        await h.join("Bob")
        assert h.greetings(), "the newcomer is still greeted"
        assert sent_to(h, "mods") == [MUTE_REFUSED.format(name="Bob")]
        await h.fire(600)
        assert h.performed(RemoveMember) == []
        assert sent_to(h, "mods")[1:] == [
            "I could not remove Bob: the platform refused. Give me the permission to ban "
            "members, with a role above theirs (owners and administrators cannot be removed), "
            "or remove them by hand."
        ]
        assert len(sent_to(h, "mods")) == 2, "each refusal is told once"


async def test_a_refused_release_is_reported_in_the_channel_in_the_community_language(
    sqlite_url: str,
) -> None:
    async with harness(sqlite_url) as h:
        refuse(h, UnrestrictMember)
        await h.typed("/lang it")
        await h.typed("/verify on")
        await h.join("Bob")
        (greeting,) = h.greetings()
        ((button,),) = greeting.buttons
        await h.press(button.data, BOB)
        assert h.performed(UnrestrictMember) == []
        assert h.messages()[-1] == (
            "Non sono riuscito a togliere il silenzio a Bob: la piattaforma ha rifiutato. "
            "Dammi il permesso di limitare i membri, con un ruolo superiore al suo, oppure "
            "togli il silenzio a mano."
        )


async def test_telegram_refusing_to_restrict_tells_the_group(
    api: FakeBotApi, backend: str, sqlite_url: str
) -> None:
    api.administrators[p.GROUP["id"]] = [p.owner(p.ADMIN)]
    api.fail(
        "restrictChatMember",
        400,
        "Bad Request: not enough rights to restrict/unrestrict chat member",
    )
    async with running(sqlite_url, telegram_bot(api, backend)) as runtime:
        await api.push(p.command("/verify on", user=p.ADMIN))
        await api.wait_for("sendMessage")
        await api.push(p.chat_member(p.ALICE, "left", "member"))
        await api.wait_for("restrictChatMember")
        await api.wait_for("sendMessage", 3)  # the answer, the greeting, the notice
        assert await runtime.worker.drain(timeout=10)
        assert len(api.called("restrictChatMember")) == 1, "a refusal is not retried"
        notices = [m for m in api.called("sendMessage") if m["text"].startswith("I could not mute")]
        assert [(str(m["chat_id"]), m["text"]) for m in notices] == [
            (str(p.GROUP["id"]), MUTE_REFUSED.format(name=p.ALICE["first_name"]))
        ]


async def test_discord_refusing_a_timeout_tells_the_system_channel(
    fake: FakeDiscord, world: World, sqlite_url: str
) -> None:
    guild = world.guild
    async with discord_runtime(fake, guild, sqlite_url) as runtime:
        answer = await discord_slash_answer(fake, guild, world.mod_id, "verify on")
        assert "Verification: on" in answer
        fake.inject(
            "PATCH",
            rf"/guilds/{guild.id}/members/\d+",
            403,
            {"message": "Missing Permissions", "code": 50013},
        )
        eve = await fake.member_joins(guild, "eve", nick="<b>Eve</b> @everyone")
        system_channel = str(guild.system_channel_id)
        (notice,) = await fake.wait_for(
            lambda: discord_posts(fake, system_channel, "I could not mute"), timeout=15
        )
        assert await runtime.worker.drain(timeout=10)
        assert notice["content"].startswith(
            "I could not mute \\<b>Eve\\</b> @\u200beveryone: the platform refused."
        )
        assert notice["pings"] == {"everyone": False, "users": [], "roles": []}
        patches = [
            r
            for r in fake.requests
            if r.method == "PATCH" and r.path.endswith(f"/members/{eve['user']['id']}")
        ]
        assert len(patches) == 1, "a refusal is not retried"
