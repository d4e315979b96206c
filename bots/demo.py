"""``townsquare demo``: a scripted conversation in a simulated community, as a transcript.

It runs the real runtime (pipeline, SQLite in a temporary folder, outbox, delivery worker)
with the console adapter; after each step it waits until the bot's replies are delivered so
the transcript reads in order. Each feature adds its scene (``bots/scenes/<feature>.py``)
to :data:`SCRIPT`.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from townsquare.adapters.console.config import ConsoleBotConfig
from townsquare.adapters.console.transport import ConsoleAdapter
from townsquare.bots.config import parse_config
from townsquare.bots.runtime import Runtime
from townsquare.bots.scenes import (
    Step,
    announcements,
    escalation,
    events,
    faq,
    feedback,
    foundation,
    onboarding,
    polls,
)

SCRIPT: list[Step] = [
    *foundation.SCENE,
    *polls.SCENE,
    *events.SCENE,
    *announcements.SCENE,
    *escalation.SCENE,
    *faq.SCENE,
    *feedback.SCENE,
    *onboarding.SCENE,
    *foundation.FAREWELL,
]


async def run_demo(
    script: Sequence[Step] = SCRIPT,
    output: Callable[[str], None] = print,
    database_dir: Path | None = None,
) -> list[str]:
    """Play ``script``; return the transcript lines (also written to ``output``)."""
    with tempfile.TemporaryDirectory(prefix="townsquare-demo-") as temporary:
        folder = database_dir or Path(temporary)
        config = parse_config(
            {
                "storage": {"url": f"sqlite+aiosqlite:///{folder / 'demo.db'}"},
                "bots": [{"name": "townbot", "platform": "console", "managers": ["alice"]}],
            },
            {},
            "demo",
        )
        bot_config = config.bot("townbot")
        assert isinstance(bot_config, ConsoleBotConfig)
        adapter = ConsoleAdapter(bot_config, output=output)
        runtime = Runtime(
            config,
            adapters={"townbot": adapter},
            delivery_options={"edit_interval": 0.0, "poll_interval": 0.2},
        )
        await runtime.start()
        try:
            adapter.show(f"=== {bot_config.community} — townsquare demo ===")
            for step in script:
                await _play(step, adapter)
                await runtime.worker.drain(timeout=10)
        finally:
            await runtime.stop()
        return list(adapter.transcript)


async def _play(step: Step, adapter: ConsoleAdapter) -> None:
    mapper = adapter.mapper
    if step.kind == "note":
        adapter.show(f"\n# {step.text}")
    elif step.kind == "join":
        adapter.show(f"→ {step.who} joined")
        await adapter.feed(mapper.join(step.who))
    elif step.kind == "leave":
        adapter.show(f"← {step.who} left")
        await adapter.feed(mapper.leave(step.who))
    elif step.kind in ("say", "reply"):
        prefix = "(replying) " if step.kind == "reply" else ""
        adapter.show(f"{step.who}: {prefix}{step.text}")
        await adapter.feed(mapper.say(step.who, step.text, reply=step.kind == "reply"))
    elif step.kind == "press":
        adapter.show(f"{step.who} presses [{step.text}]")
        await adapter.feed(mapper.press(step.who, step.text))
    elif step.kind == "react":
        adapter.show(f"{step.who} reacts {step.text}")
        await adapter.feed(mapper.react(step.who, step.text))
    elif step.kind == "wait":  # let durable jobs fire (a combined greeting)
        adapter.show(f"… {step.text} seconds later")
        await asyncio.sleep(float(step.text))
    else:
        raise ValueError(f"unknown demo step {step.kind!r}")


def main() -> int:
    asyncio.run(run_demo())
    return 0
