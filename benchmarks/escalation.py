"""What escalation costs on the hot path: every ordinary message passes the detectors.

    .venv/bin/python -m benchmarks.escalation [--events 20000] [--messages 50000]

Two ratios, each against a baseline measured in the same run:

* detectors alone (lexicon + heat) per message over a multilingual mix, against
  ``str.casefold().split()`` of the same texts (the least any word matching must do);
* the persisted pipeline with the built-in features plus Escalation against the built-in
  features alone, on ordinary messages (one in fifty a reply, nothing that opens a case).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.pipeline import CHANNEL, COMMUNITY
from townsquare.core.builtin import builtin_features
from townsquare.core.capabilities import Capability
from townsquare.core.dispatcher import Dispatcher
from townsquare.core.escalation.feature import Escalation
from townsquare.core.escalation.heat import HeatDetector
from townsquare.core.escalation.lexicon import LexiconDetector
from townsquare.core.escalation.signals import ObservedMessage
from townsquare.core.events import Event, MessagePosted
from townsquare.core.features import BotInfo, Feature
from townsquare.core.pipeline import Pipeline
from townsquare.core.refs import Actor, MessageRef
from townsquare.storage.database import create_engine
from townsquare.storage.escalation import SqlEscalationStore
from townsquare.storage.migrate import upgrade
from townsquare.storage.store import SqlStore

TEXTS = [
    "hello there, how is everyone doing today?",
    "Can someone review my pull request before the release on Friday?",
    "grazie mille per l'aiuto, ci vediamo domani alla riunione",
    "спасибо всем, встреча переносится на вечер",
    "lol that meme is great 😂",
    "the build is failing again on the ARM runners, I'll look into it",
]


def observed(count: int) -> list[ObservedMessage]:
    start = datetime.now(UTC)
    return [
        ObservedMessage(
            community="bench:c1",
            message=MessageRef(CHANNEL, str(n)),
            author=Actor(f"u{n % 300}", f"Member {n % 300}"),
            text=TEXTS[n % len(TEXTS)],
            at=start + timedelta(milliseconds=50 * n),
            reply_to_author=Actor(f"u{(n + 1) % 300}", "Other") if n % 50 == 0 else None,
        )
        for n in range(count)
    ]


def detectors_per_second(count: int) -> tuple[float, float]:
    messages = observed(count)
    started = time.perf_counter()
    for message in messages:
        message.text.casefold().split()
    baseline = count / (time.perf_counter() - started)
    lexicon, heat = LexiconDetector(), HeatDetector()
    started = time.perf_counter()
    for message in messages:
        lexicon.on_message(message)
        heat.on_message(message)
    return baseline, count / (time.perf_counter() - started)


def messages(count: int, run: str) -> list[Event]:
    now = datetime.now(UTC)
    return [
        MessagePosted(
            platform="bench",
            bot="bench",
            event_id=f"{run}:{n}",
            occurred_at=now,
            community=COMMUNITY,
            channel=CHANNEL,
            actor=Actor(f"u{n % 300}", f"Member {n % 300}"),
            message=MessageRef(CHANNEL, f"{run}:{n}"),
            text=TEXTS[n % len(TEXTS)],
        )
        for n in range(count)
    ]


async def pipeline_per_second(url: str, count: int, features: list[Feature]) -> float:
    engine = create_engine(url)
    await upgrade(engine)
    bots = {"bench": BotInfo("bench", "bench", frozenset(Capability))}
    pipeline = Pipeline(SqlStore(engine), Dispatcher(features, bots=bots))
    pipeline.start()
    events = messages(count, str(time.time_ns()))
    started = time.perf_counter()
    await asyncio.gather(*(pipeline.submit(event) for event in events))
    elapsed = time.perf_counter() - started
    await pipeline.close()
    await engine.dispose()
    return count / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--messages", type=int, default=50_000)
    args = parser.parse_args()
    baseline, detected = detectors_per_second(args.messages)
    print(f"detectors: {args.messages} messages")
    print(f"  baseline: casefold + split  {baseline:>12,.0f} messages/s")
    print(f"  lexicon + heat             {detected:>12,.0f} messages/s  x{detected / baseline:.3f}")
    plain = with_it = 0.0
    with tempfile.TemporaryDirectory() as folder:
        for attempt in range(3):  # alternate, keep the best of each: a busy machine is noisy
            url = f"sqlite+aiosqlite:///{Path(folder) / f'plain{attempt}.db'}"
            plain = max(plain, await pipeline_per_second(url, args.events, builtin_features()))
            url = f"sqlite+aiosqlite:///{Path(folder) / f'escalation{attempt}.db'}"
            features = [*builtin_features(), Escalation(store=SqlEscalationStore)]
            with_it = max(with_it, await pipeline_per_second(url, args.events, features))
    print(f"\npipeline (SQLite): {args.events} ordinary messages, best of 3")
    print(f"  baseline: built-in features {plain:>11,.0f} events/s")
    print(f"  + escalation                {with_it:>11,.0f} events/s  x{with_it / plain:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
