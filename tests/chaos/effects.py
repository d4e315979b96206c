"""Counting what the fake Bot API accepted against what the script expects.

Only requests the server answered 200 count (a 429 or a refused request had no effect). An
effect seen zero times is lost; seen more than once, each extra time is a double.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tests.chaos.botapi import ChaosBotApi
from tests.chaos.script import ANSWER, OPTIONS, Join, Press, Question, Report, Script

_MENTION = re.compile(r"tg://user\?id=(\d+)")
_POLL = re.compile(r"📊 #(\d+)")
_OPTION = re.compile(r"^(\d+)\. (\w+) — (\d+) ", re.MULTILINE)
_REPORTED = re.compile(r"Reported by (\d+) member")


@dataclass
class Kind:
    expected: int = 0
    lost: int = 0
    doubled: int = 0

    def add(self, seen: int) -> None:
        self.expected += 1
        if seen == 0:
            self.lost += 1
        else:
            self.doubled += seen - 1


@dataclass
class Figures:
    kinds: dict[str, Kind] = field(default_factory=dict)
    missing_examples: list[str] = field(default_factory=list)
    doubles: list[tuple[str, list[float]]] = field(default_factory=list)
    """Each doubled send: its kind and when the fake accepted each copy (``monotonic``),
    to tell a send repeated across a kill from one repeated without a kill (a bug)."""

    def kind(self, name: str) -> Kind:
        return self.kinds.setdefault(name, Kind())

    @property
    def expected(self) -> int:
        return sum(kind.expected for kind in self.kinds.values())

    @property
    def lost(self) -> int:
        return sum(kind.lost for kind in self.kinds.values())

    @property
    def doubled(self) -> int:
        return sum(kind.doubled for kind in self.kinds.values())

    def double(self, kind: str, times: list[float]) -> None:
        if len(times) > 1:
            self.doubles.append((kind, sorted(times)))

    def note(self, what: str) -> None:
        if len(self.missing_examples) < 5:
            self.missing_examples.append(what)


def polls(api: ChaosBotApi) -> dict[int, tuple[int, int]]:
    """Group -> (poll id, message id) of the poll the bot posted there."""
    found: dict[int, tuple[int, int]] = {}
    for record in api.accepted("sendMessage"):
        match = _POLL.match(_text(record.params))
        if match and isinstance(record.result, dict):
            chat = int(record.params["chat_id"])
            found.setdefault(chat, (int(match.group(1)), int(record.result["message_id"])))
    return found


def seeded(api: ChaosBotApi, script: Script) -> bool:
    """Every seed command was answered (the FAQ entry, the inbox, the poll)."""
    answered = len(api.accepted("sendMessage"))
    return len(polls(api)) == script.polls and answered >= len(script.seed_updates)


@dataclass
class _Sent:
    """What the bot sent, by the effect each message is."""

    greetings: Counter[tuple[int, int]] = field(default_factory=Counter)
    answers: Counter[tuple[int, int]] = field(default_factory=Counter)
    thanks: Counter[int] = field(default_factory=Counter)
    cards: Counter[tuple[int, str]] = field(default_factory=Counter)
    card_ids: dict[tuple[int, str], list[int]] = field(default_factory=dict)
    at: dict[tuple[str, object], list[float]] = field(default_factory=dict)

    def when(self, effect: str, what: object, at: float) -> None:
        self.at.setdefault((effect, what), []).append(at)


def _sent(api: ChaosBotApi) -> _Sent:
    sent = _Sent()
    for record in api.accepted("sendMessage"):
        chat, text = int(record.params["chat_id"]), _text(record.params)
        if chat < 0 and text.startswith("Welcome"):
            for user_id in _MENTION.findall(text):
                sent.greetings[chat, int(user_id)] += 1
                sent.when("greeting", (chat, int(user_id)), record.at)
        elif chat < 0 and ANSWER in text:
            reply = record.params.get("reply_parameters") or {}
            question = (chat, int(reply.get("message_id", 0)))
            sent.answers[question] += 1
            sent.when("faq answer", question, record.at)
        elif chat > 0 and "case #" in text:
            sent.thanks[chat] += 1
            sent.when("report thanks", chat, record.at)
        elif chat < 0 and "Case #" in text:
            for target in re.findall(r"offer G\d+T\d+", text):
                sent.cards[chat, target] += 1
                sent.card_ids.setdefault((chat, target), []).append(
                    int(record.result["message_id"])
                )
                sent.when("case card", (chat, target), record.at)
    return sent


def count(api: ChaosBotApi, script: Script, poll_messages: dict[int, tuple[int, int]]) -> Figures:
    sent = _sent(api)
    pressed = Counter(
        str(r.params.get("callback_query_id")) for r in api.accepted("answerCallbackQuery")
    )
    figures = Figures()
    for (effect, _what), times in sent.at.items():  # every reporter reports once
        figures.double(effect, times)
    reporters: Counter[tuple[int, str]] = Counter()
    for step in script.steps:
        match step.expectation:
            case Join(group, user_id):
                seen = sent.greetings[group, user_id]
                figures.kind("greeting").add(seen)
            case Question(group, message_id):
                seen = sent.answers[group, message_id]
                figures.kind("faq answer").add(seen)
            case Press(_group, _voter, _option, callback_id):
                seen = pressed[callback_id]
                figures.kind("press answer").add(seen)
            case Report(group, reporter, target):
                seen = sent.thanks[reporter]
                figures.kind("report thanks").add(seen)
                reporters[group, _marker(target)] += 1
        if seen == 0:
            figures.note(f"update {step.update_id}: {step.expectation}")
    _count_cards(api, sent, reporters, figures)
    _count_tallies(api, script, poll_messages, figures)
    return figures


def _count_cards(
    api: ChaosBotApi, sent: _Sent, reporters: Counter[tuple[int, str]], figures: Figures
) -> None:
    for (group, marker), expected in reporters.items():
        key = (group, marker)
        figures.kind("case card").add(sent.cards[key])
        # A card sent twice (a repeat after a kill) is counted as doubled above; the
        # reporters are counted on the copy that was kept up to date.
        ids = sent.card_ids.get(key, [])
        shown = max((_counted_reporters(api, group, m) for m in ids), default=0)
        if shown != expected:
            figures.kind("case reporters").lost += max(expected - shown, 0)
            figures.note(f"case {key}: {shown} of {expected} reporters shown")
        figures.kind("case reporters").expected += expected


def _count_tallies(
    api: ChaosBotApi,
    script: Script,
    poll_messages: dict[int, tuple[int, int]],
    figures: Figures,
) -> None:
    for group, votes in script.votes.items():
        kind = figures.kind("poll tally")
        kind.expected += 1
        tally = _tally(api, group, poll_messages.get(group))
        wanted = {OPTIONS[option]: votes[option] for option in range(len(OPTIONS))}
        if tally != wanted:
            kind.lost += 1
            figures.note(f"poll in {group}: {tally} instead of {wanted}")


def _text(params: dict[str, Any]) -> str:
    return str(params.get("text") or "")


def _marker(target: str) -> str:
    return target.rsplit(", ", 1)[-1]


def _counted_reporters(api: ChaosBotApi, group: int, message_id: int) -> int:
    current = api.messages.get((group, message_id)) or {}
    match = _REPORTED.search(str(current.get("html") or ""))
    return int(match.group(1)) if match else 0


def _tally(api: ChaosBotApi, group: int, poll: tuple[int, int] | None) -> dict[str, int]:
    """The votes per option the poll message shows now."""
    if poll is None:
        return {}
    html = str((api.messages.get((group, poll[1])) or {}).get("html") or "")
    return {name: int(n) for _number, name, n in _OPTION.findall(html)}
