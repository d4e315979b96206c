"""What the feedback tests share: a runtime on the memory adapter (keyed messages reported
as ``msg-<key>``), its Feedback feature's notices held an hour (until :func:`fire_jobs`),
and presses on its posts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from tests.giveaways.support import PostAdapter, config
from tests.support import CHANNEL, envelope, member, typed
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import Action, EditMessage, SendDirect, SendEphemeral, SendMessage
from townsquare.core.events import ButtonPressed, CommandIssued
from townsquare.core.feedback.feature import Feedback
from townsquare.core.refs import Actor, ChannelRef, MessageRef
from townsquare.storage.models import ScheduledJob

__all__ = ["PostAdapter"]


async def start(
    url: str, adapter: PostAdapter, spaces: list[dict[str, object]] | None = None
) -> Runtime:
    runtime = Runtime(
        config(url, spaces),
        adapters={"mem": adapter},
        delivery_options={"edit_interval": 0},
    )
    for feature in runtime.features:
        if isinstance(feature, Feedback):
            feature.notice_delay = timedelta(hours=1)
    await runtime.start()
    return runtime


async def play(runtime: Runtime, *events: object) -> None:
    for event in events:
        await runtime.pipeline.submit(event)  # type: ignore[arg-type]
    assert await runtime.worker.drain(timeout=15)


async def fire_jobs(runtime: Runtime, kind: str = "feedback.notice") -> None:
    """Make the pending ``kind`` jobs due (the notices wait an hour in these tests), run
    them, then deliver."""
    async with runtime.engine.begin() as connection:
        await connection.execute(
            update(ScheduledJob)
            .where(ScheduledJob.kind == kind, ScheduledJob.status == "pending")
            .values(due_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    while await runtime.scheduler.run_once():
        pass
    assert await runtime.worker.drain(timeout=15)


def said(text: str, who: Actor) -> CommandIssued:
    return typed(text, who)


def press(data: str, who: Actor, message: str, channel: ChannelRef = CHANNEL) -> ButtonPressed:
    env = envelope(who)
    env["channel"] = channel
    if channel.is_direct:
        env["community"] = None
    return ButtonPressed(
        **env,
        data=data,
        interaction_id=f"i-{env['event_id']}",
        message=MessageRef(channel, message),
    )


def directs(actions: Sequence[Action], user: str | None = None) -> list[str]:
    return [
        a.text.plain()
        for a in actions
        if isinstance(a, SendDirect) and (user is None or a.user_id == user)
    ]


def answers(actions: Sequence[Action]) -> list[str]:
    """What callers were answered: replies in the chat, ephemerals and direct messages."""
    return [
        a.text.plain()
        for a in actions
        if isinstance(a, SendMessage | SendEphemeral | SendDirect) and not getattr(a, "key", None)
    ]


def posts(actions: Sequence[Action]) -> list[SendMessage]:
    return [
        a for a in actions if isinstance(a, SendMessage) and (a.key or "").startswith("feedback:")
    ]


def edits(actions: Sequence[Action], key: str) -> list[str]:
    return [a.text.plain() for a in actions if isinstance(a, EditMessage) and a.key == key]


BOB = member("Bob")
CAROL = member("Carol")
DAN = member("Dan")
