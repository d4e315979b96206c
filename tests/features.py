"""Features the end-to-end tests add to the built-in ones (Telegram, Discord, and
``python -m tests.discord.run_with_test_features``): a greeter, a button vote and a
private hello."""

from __future__ import annotations

from townsquare.core.actions import Button, ButtonStyle, SendDirect
from townsquare.core.commands import CommandSpec, Invocation
from townsquare.core.events import ButtonPressed, MemberJoined
from townsquare.core.features import Context, Feature, command, on
from townsquare.core.text import as_text


class GreetOnce(Feature):
    name = "test-greeter"

    @on(MemberJoined)
    async def greet(self, event: MemberJoined, ctx: Context) -> None:
        ctx.reply(f"Welcome {event.member.display_name}")


class Votes(Feature):
    """A minimal poll: ``/lunch`` posts buttons, a press is answered with a toast."""

    name = "test-votes"

    @command(CommandSpec("lunch", "Start a test vote"))
    async def vote(self, invocation: Invocation, ctx: Context) -> None:
        ctx.reply(
            "Lunch?",
            buttons=(
                (Button("Pizza", "vote:1:0"), Button("Sushi", "vote:1:1", ButtonStyle.PRIMARY)),
            ),
            key="vote:1",
        )

    @command(CommandSpec("whisper", "Get a private hello"))
    async def whisper(self, invocation: Invocation, ctx: Context) -> None:
        actor = ctx.event.actor
        assert actor is not None
        ctx.emit(
            SendDirect(
                bot=ctx.bot.name,
                user_id=actor.user_id,
                display_name=actor.display_name,
                text=as_text("Psst, hello"),
                fallback_channel=ctx.event.channel,
            )
        )

    @on(ButtonPressed)
    async def pressed(self, event: ButtonPressed, ctx: Context) -> None:
        if event.data.startswith("vote:"):
            ctx.answer(f"Vote recorded ({event.data})")


def e2e_features() -> list[Feature]:
    return [GreetOnce(), Votes()]
