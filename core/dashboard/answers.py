"""Answers to actions taken on the dashboard go back to the page, not to a chat.

An action on the web enters the pipeline as an ordinary event (a
:class:`~core.events.CommandIssued` of the manager's account) whose id starts with
:data:`~core.dashboard.rules.WEB_EVENT_PREFIX` and whose channel is a ``web:`` channel
no platform has. What its handlers answer the caller (a reply or an ephemeral answer
addressed to that channel) is taken out of the event's actions and kept here, once the
batch commits, for the page that is waiting for it; every other action (a card edit, a
warning in the group, a message to a member) goes to the outbox as usual.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime

from townsquare.core.actions import Action, SendEphemeral, SendMessage
from townsquare.core.dashboard.rules import WEB_CHANNEL_PREFIX, WEB_EVENT_PREFIX
from townsquare.core.dispatcher import Dispatcher
from townsquare.core.events import Event
from townsquare.core.store import Transaction

KEPT = 1000
"""Answers kept for pages that have not read theirs yet (the oldest go first)."""


class Answers:
    """Answers to web events by event id, until read (process memory: a page waits for
    its own answer in the process it asked; losing one loses only a note on a page)."""

    def __init__(self) -> None:
        self._answers: OrderedDict[str, list[str]] = OrderedDict()

    def put(self, event_id: str, texts: list[str]) -> None:
        self._answers[event_id] = texts
        while len(self._answers) > KEPT:
            self._answers.popitem(last=False)

    def take(self, event_id: str) -> list[str] | None:
        """The answer, once; None when the event was not handled here (a repeat)."""
        return self._answers.pop(event_id, None)


def from_web(event: Event) -> bool:
    channel = event.channel
    return (
        event.event_id.startswith(WEB_EVENT_PREFIX)
        and channel is not None
        and channel.id.startswith(WEB_CHANNEL_PREFIX)
    )


def split_answers(event: Event, actions: list[Action]) -> tuple[list[Action], list[str]]:
    """The actions to deliver, and the texts answering the web caller."""
    assert event.channel is not None
    kept: list[Action] = []
    texts: list[str] = []
    for action in actions:
        if isinstance(action, SendMessage | SendEphemeral) and action.channel == event.channel:
            texts.append(action.text.plain())
        elif getattr(action, "channel", None) == event.channel:
            continue  # nothing else can reach a web channel (an edit of an answer, a pin)
        else:
            kept.append(action)
    return kept, texts


class AnsweringDispatcher(Dispatcher):
    """A :class:`Dispatcher` that hands the answers to web events to :attr:`answers`."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.answers = Answers()

    async def dispatch(self, event: Event, tx: Transaction, now: datetime) -> list[Action]:
        actions = await super().dispatch(event, tx, now)
        if not from_web(event):
            return actions
        kept, texts = split_answers(event, actions)
        tx.after_commit(lambda: self.answers.put(event.event_id, texts))
        return kept
