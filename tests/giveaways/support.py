"""What the giveaway tests share: a memory adapter that reports keyed messages by key, a
press on a giveaway's post, and a plugin that publishes level facts as rewards would."""

from __future__ import annotations

from tests.support import CHANNEL, MemoryAdapter, envelope, member
from townsquare.bots.config import Config, parse_config
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import Action, AnswerButton, SendMessage
from townsquare.core.commands import CommandSpec, Invocation, Param
from townsquare.core.events import ButtonPressed
from townsquare.core.facts.rewards import MemberLevelledUp
from townsquare.core.features import Context, Feature, command
from townsquare.core.ports import Delivered
from townsquare.core.refs import MessageRef
from townsquare.core.roles import Role


def config(url: str, spaces: list[dict[str, object]] | None = None) -> Config:
    raw: dict[str, object] = {
        "storage": {"url": url},
        "bots": [{"name": "mem", "platform": "console"}],
    }
    if spaces:
        raw["spaces"] = spaces
    return parse_config(raw, {}, "t")


class PostAdapter(MemoryAdapter):
    """Reports each keyed message as ``msg-<key>``, so a press can be made on it."""

    async def perform(self, action: Action) -> Delivered:
        delivered = await super().perform(action)
        if isinstance(action, SendMessage) and action.key:
            return Delivered((MessageRef(action.channel, f"msg-{action.key}"),))
        return delivered

    def sent(self) -> list[SendMessage]:
        return [a for a in self.performed if isinstance(a, SendMessage)]

    def toasts(self) -> list[str]:
        return [a.toast for a in self.performed if isinstance(a, AnswerButton)]


def press(name: str, giveaway_id: int = 1, message: MessageRef | None = None) -> ButtonPressed:
    env = envelope(member(name))
    at = message or MessageRef(CHANNEL, f"msg-giveaway:{giveaway_id}")
    return ButtonPressed(
        **env, data=f"giveaway:{giveaway_id}", interaction_id=f"i-{env['event_id']}", message=at
    )


class LevelUps(Feature):
    """``/levelup <user> <level>``: publishes the level fact the rewards feature would."""

    name = "levelups"

    @command(
        CommandSpec("levelup", "test", role=Role.MEMBER, params=(Param("user"), Param("level")))
    )
    async def levelup(self, invocation: Invocation, ctx: Context) -> None:
        from townsquare.storage.people import SqlPersonDirectory

        user, level = str(invocation.args["user"]), int(str(invocation.args["level"]))
        person = await SqlPersonDirectory().person_of(ctx.tx, ctx.event.platform, user)
        ctx.publish(
            MemberLevelledUp(
                platform=ctx.event.platform,
                community_id=ctx.community.id,
                at=ctx.now,
                scope=ctx.space.name if ctx.space is not None else None,
                person_id=person,
                user_id=user,
                level=level,
                previous=level - 1,
            )
        )


async def start(url: str, adapter: MemoryAdapter, *extra: Feature) -> Runtime:
    runtime = Runtime(
        config(url),
        adapters={"mem": adapter},
        extra_features=extra,
        delivery_options={"edit_interval": 0},
    )
    await runtime.start()
    return runtime
