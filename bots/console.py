"""``townsquare console``: type as a member of a simulated community.

Lines are messages (``/commands`` included). Lines starting with ``:`` control the
simulation: ``:as NAME`` switch member, ``:join NAME``, ``:leave NAME``, ``:reply TEXT``
(reply to the last message), ``:press DATA``, ``:react EMOJI``, ``:quit``.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from adapters.console.config import ConsoleBotConfig
from adapters.console.transport import ConsoleAdapter
from bots.config import Config, ConfigError, parse_config
from bots.runtime import Runtime

HELP = (
    "Type a message or /command. Controls: :as NAME, :join NAME, :leave NAME, "
    ":reply TEXT, :press DATA, :react EMOJI, :quit"
)


def _console_config(
    config: Config | None, folder: Path, source: str = "console"
) -> tuple[Config, ConsoleBotConfig]:
    if config is None:
        config = parse_config(
            {
                "storage": {"url": f"sqlite+aiosqlite:///{folder / 'console.db'}"},
                "bots": [{"name": "townbot", "platform": "console"}],
            },
            {},
            "console",
        )
    consoles = [bot for bot in config.bots if isinstance(bot, ConsoleBotConfig)]
    if not consoles:
        raise ConfigError(source, [("bots", 'no bot with platform = "console" in this file')])
    # Only the console bot runs: a real token in the same file is never connected.
    only = config.model_copy(update={"bots": consoles[:1]})
    return only, consoles[0]


async def run_console(config: Config | None = None, source: str = "console") -> int:
    with tempfile.TemporaryDirectory(prefix="townsquare-console-") as temporary:
        config, bot = _console_config(config, Path(temporary), source)
        adapter = ConsoleAdapter(bot)
        runtime = Runtime(
            config, adapters={bot.name: adapter}, delivery_options={"poll_interval": 0.2}
        )
        await runtime.start()
        who = bot.managers[0] if bot.managers else "alice"
        print(f"{bot.community} — you are {who} (a manager). {HELP}")
        loop = asyncio.get_running_loop()
        try:
            while True:
                line = await loop.run_in_executor(None, sys.stdin.readline)
                if not line:
                    break
                line = line.rstrip("\n")
                command, _, rest = line.partition(" ")
                mapper = adapter.mapper
                if command == ":quit":
                    break
                elif command == ":as" and rest:
                    who = rest.strip()
                    print(f"(you are now {who})")
                    continue
                elif command == ":join" and rest:
                    event = mapper.join(rest.strip())
                elif command == ":leave" and rest:
                    event = mapper.leave(rest.strip())
                elif command == ":reply" and rest:
                    event = mapper.say(who, rest, reply=True)
                elif command == ":press" and rest:
                    event = mapper.press(who, rest.strip())
                elif command == ":react" and rest:
                    event = mapper.react(who, rest.strip())
                elif line.startswith(":"):
                    print(HELP)
                    continue
                elif not line.strip():
                    continue
                else:
                    event = mapper.say(who, line)
                await adapter.feed(event)
                await runtime.worker.drain(timeout=10)
        finally:
            await runtime.stop()
    return 0
