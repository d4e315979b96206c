"""The scripted replay: deterministic Bot API updates and the effect each one must have.

Every update has its own ids (update id, message id, user id, callback query id), so each
effect the fake records is attributed to the one update that asked for it:

* a join (``chat_member``, a new user) must be greeted once: one ``Welcome`` message in its
  group mentioning that user (``tg://user?id=...``). Joins are spread round-robin over many
  groups, a few per group, so raid batching (more than ``quiet_joins`` joins in 30 s) never
  combines greetings; a combined greeting would still count, by mention, per member;
* a ``/faq`` question must get one answer: a message replying to the question's message id;
* a poll press (one per voter, on its group's poll) must be answered once
  (``answerCallbackQuery`` with its id), and each poll's final text must show exactly the
  votes pressed;
* a ``/report`` (a reply to a message of its own offender) must thank its reporter once in
  private, and its group's case card must be sent once and count every reporter.

Before the replay a manager named in the config gives each question group one FAQ entry
(``/faq add``), each poll group one poll (``/poll``) and makes each report group its own
managers' inbox (``/managers here``). The many groups keep each chat's outbound traffic
far under Telegram's 20 messages per minute per group, so the replay measures losses and
doubles, not rate limits.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

MANAGER = {"id": 1000, "is_bot": False, "first_name": "Olga", "username": "olga"}
GROUP_BASE = -1_002_000_000_000
QUESTION = "How do I pay the membership fee?"
ANSWER = "At the front desk, in cash or by card."
OPTIONS = ("Pizza", "Sushi", "Salad")
WEIGHTS = {"join": 25, "question": 25, "press": 40, "report": 10}
REPORTERS_PER_TARGET = 2
NOW = int(time.time())


def group(number: int) -> dict[str, Any]:
    return {"id": GROUP_BASE - number, "title": f"Square {number}", "type": "supergroup"}


def user(user_id: int, name: str) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": name}


@dataclass(frozen=True)
class Join:
    group: int
    user_id: int


@dataclass(frozen=True)
class Question:
    group: int
    message_id: int


@dataclass(frozen=True)
class Press:
    group: int
    voter: int
    option: int
    callback_id: str


@dataclass(frozen=True)
class Report:
    group: int
    reporter: int
    target: str
    """The reported message's text, unique: the case card quotes it."""


Expectation = Join | Question | Press | Report


@dataclass
class Step:
    update_id: int
    expectation: Expectation
    build: Any
    """``build(polls)`` -> the update (a press needs its group's poll message id)."""


@dataclass
class Script:
    groups: int
    polls: int
    seed_updates: list[dict[str, Any]]
    steps: list[Step]
    votes: dict[int, Counter[int]] = field(default_factory=dict)
    """Group -> option -> presses expected on its poll."""

    def kinds(self) -> Counter[str]:
        return Counter(type(step.expectation).__name__ for step in self.steps)


def build(updates: int, seed: int) -> Script:
    """``updates`` replay updates (after the seed updates), the same for the same ``seed``.

    Each kind has its own groups (questions 2 per group, presses 8 per poll, reports one
    message reported twice per group) and joins go round-robin over all of them, so no chat
    gets more than a handful of messages and seeding costs one message per group."""
    rng = random.Random(seed)
    kinds = list(WEIGHTS)
    picks = rng.choices(kinds, weights=[WEIGHTS[k] for k in kinds], k=updates)
    wanted = Counter(picks)
    ranges: dict[str, range] = {}
    first = 0
    for kind, per_group in (("question", 2), ("press", 8), ("report", REPORTERS_PER_TARGET)):
        count = max(1, -(-wanted[kind] // per_group))
        ranges[kind] = range(first, first + count)
        first += count
    ranges["join"] = range(first)
    seeds = {
        "question": f'/faq add "{QUESTION}" "{ANSWER}"',
        "press": "/poll",
        "report": "/managers here",
    }
    seed_updates: list[dict[str, Any]] = []
    for kind, text in seeds.items():
        for number in ranges[kind]:
            chat = group(number)
            if kind == "press":
                text = f'/poll "Lunch in {chat["title"]}?" {" ".join(OPTIONS)}'
            update = _command(chat, MANAGER, 1, text)
            seed_updates.append({"update_id": len(seed_updates) + 1, **update})
    script = Script(first, len(ranges["press"]), seed_updates, [])
    turns: Counter[str] = Counter()
    next_id = len(seed_updates) + 1
    for index, kind in enumerate(picks):
        turn = turns[kind]
        turns[kind] += 1
        numbers = ranges[kind]
        number = numbers[turn % len(numbers)]
        chat = group(number)
        update_id = next_id + index
        message_id = 10_000 + index
        step: Step
        match kind:
            case "join":
                member = user(2_000_000 + index, f"Newcomer{index}")
                step = Step(update_id, Join(chat["id"], member["id"]), _joined(chat, member))
            case "question":
                asker = user(6_000_000 + index, f"Asker{index}")
                text = "/faq how do i pay the membership fee"
                update = _command(chat, asker, message_id, text)
                step = Step(update_id, Question(chat["id"], message_id), _fixed(update))
            case "press":
                voter = user(3_000_000 + index, f"Voter{index}")
                option = rng.randrange(len(OPTIONS))
                callback_id = f"cq-{index}"
                script.votes.setdefault(chat["id"], Counter())[option] += 1
                step = Step(
                    update_id,
                    Press(chat["id"], voter["id"], option, callback_id),
                    _press(chat, voter, option, callback_id),
                )
            case "report":
                target = (turn // len(numbers)) // REPORTERS_PER_TARGET  # the group's nth
                offender = user(5_000_000 + number * 1000 + target, f"Offender{number}x{target}")
                reporter = user(4_000_000 + index, f"Reporter{index}")
                text = f"Cheap followers at spam.example, offer G{number}T{target}"
                update = _report(chat, reporter, message_id, offender, 90_000 + target, text)
                step = Step(update_id, Report(chat["id"], reporter["id"], text), _fixed(update))
            case _:
                raise AssertionError(kind)
        script.steps.append(step)
    return script


def _fixed(update: dict[str, Any]) -> Any:
    return lambda polls: update


def _command(
    chat: dict[str, Any], sender: dict[str, Any], message_id: int, text: str
) -> dict[str, Any]:
    head = text.split(maxsplit=1)[0]
    return {
        "message": {
            "message_id": message_id,
            "from": sender,
            "chat": chat,
            "date": NOW,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(head)}],
        }
    }


def _joined(chat: dict[str, Any], member: dict[str, Any]) -> Any:
    update = {
        "chat_member": {
            "chat": chat,
            "from": member,
            "date": NOW,
            "old_chat_member": {"status": "left", "user": member},
            "new_chat_member": {"status": "member", "user": member},
        }
    }
    return _fixed(update)


def _press(chat: dict[str, Any], voter: dict[str, Any], option: int, callback_id: str) -> Any:
    def build(polls: dict[int, tuple[int, int]]) -> dict[str, Any]:
        poll_id, message_id = polls[chat["id"]]
        return {
            "callback_query": {
                "id": callback_id,
                "from": voter,
                "chat_instance": f"ci{chat['id']}",
                "data": f"poll:{poll_id}:{option}",
                "message": {
                    "message_id": message_id,
                    "from": {"id": 777000111, "is_bot": True, "first_name": "Town Bot"},
                    "chat": chat,
                    "date": NOW,
                    "text": "poll",
                },
            }
        }

    return build


def _report(
    chat: dict[str, Any],
    reporter: dict[str, Any],
    message_id: int,
    offender: dict[str, Any],
    target_id: int,
    text: str,
) -> dict[str, Any]:
    update = _command(chat, reporter, message_id, "/report spam")
    update["message"]["reply_to_message"] = {
        "message_id": target_id,
        "from": offender,
        "chat": chat,
        "date": NOW - 600,
        "text": text,
    }
    return update
