"""``townsquare console``: type as a member of a simulated community.

The prompt names who you are (``alice> ``). Every message in the channel is shown as
``[N] name: text``, numbered, yours and the bot's alike, so ``:reply N TEXT`` and
``:react N EMOJI`` say which one they mean. A bot message with buttons lists them as
numbered choices under it; ``:press N`` presses choice N of the newest message with
buttons (``:press N M`` of message M). What only one person sees is labelled
``(private to NAME)``. ``:help`` lists the controls.

``townsquare console CONFIG`` runs the file's first console bot only, never its other bots.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from townsquare.adapters.console.config import ConsoleBotConfig
from townsquare.adapters.console.outbound import printable, render_text
from townsquare.adapters.console.transport import ConsoleAdapter
from townsquare.bots.config import Config, ConfigError, parse_config
from townsquare.core.actions import (
    Action,
    AnswerButton,
    Button,
    EditMessage,
    SendDirect,
    SendEphemeral,
    SendMessage,
)
from townsquare.core.capabilities import Capability
from townsquare.core.events import Event
from townsquare.core.ports import Delivered
from townsquare.core.refs import MessageRef

HELP = """\
Type a message, or a /command (/help lists them). Controls:
  :as NAME          speak as NAME (a member; the config's managers are managers)
  :join NAME        NAME joins the community      :leave NAME   NAME leaves it
  :reply N TEXT     reply to message [N]           :react N EMOJI  react to message [N]
  :press N [M]      press button N of the newest message with buttons (or of message [M])
  :help             this list                      :quit         leave the console"""


@dataclasses.dataclass
class Shown:
    """A numbered channel message and the buttons it shows."""

    ref: MessageRef
    buttons: tuple[Button, ...] = ()


class InteractiveConsole(ConsoleAdapter):
    """The console adapter with buttons: a person picks them by number."""

    capabilities = ConsoleAdapter.capabilities | {Capability.BUTTONS}

    def __init__(self, config: ConsoleBotConfig, output: Callable[[str], None]) -> None:
        super().__init__(config, output=output)
        self.shown: list[Shown] = []
        self.pressers: dict[str, str] = {}
        """Who pressed, by interaction id: a toast is labelled with their name."""
        self._by_ref: dict[MessageRef, int] = {}

    def number(self, ref: MessageRef, buttons: tuple[Button, ...] = ()) -> int:
        self.shown.append(Shown(ref, buttons))
        self._by_ref[ref] = len(self.shown)
        return len(self.shown)

    def echo(self, who: str, text: str, ref: MessageRef) -> None:
        self.show(f"[{self.number(ref)}] {printable(who)}: {printable(text)}")

    async def perform(self, action: Action) -> Delivered:
        match action:
            case SendMessage() | EditMessage():
                delivered = (
                    await self.perform_quietly(action)
                    if isinstance(action, SendMessage)
                    else Delivered()
                )
                buttons = tuple(button for row in action.buttons for button in row)
                if isinstance(action, SendMessage):
                    ref = delivered.messages[0] if delivered.messages else None
                    label = f"[{self.number(ref, buttons)}]" if ref else "[?]"
                else:
                    number = self._by_ref.get(action.message) if action.message else None
                    if number is not None:
                        self.shown[number - 1].buttons = buttons
                    label = f"[{number}] (edited)" if number else "(edited)"
                self._print(f"{label} {self.bot}:", render_text(action.text), buttons)
                self.performed.append(action)
                return delivered
            case SendDirect() | SendEphemeral():
                delivered = await self.perform_quietly(action)
                rows = getattr(action, "buttons", ())
                buttons = tuple(button for row in rows for button in row)
                head = f"(private to {printable(action.display_name)}) {self.bot}:"
                self._print(head, render_text(action.text), buttons, numbered=False)
                self.performed.append(action)
                return delivered
            case AnswerButton():
                self.performed.append(action)
                if action.toast:
                    who = self.pressers.get(action.interaction_id, action.user_id or "you")
                    self.show(
                        f"(private to {printable(who)}) {self.bot}: {printable(action.toast)}"
                    )
                return Delivered()
            case _:
                return await super().perform(action)

    async def perform_quietly(self, action: Action) -> Delivered:
        """The parent's bookkeeping (message ids) without its transcript lines."""
        output, self.output = self.output, lambda _line: None
        try:
            delivered = await super().perform(action)
        finally:
            self.output = output
        self.performed.pop()
        return delivered

    def _print(
        self, head: str, body: str, buttons: tuple[Button, ...], *, numbered: bool = True
    ) -> None:
        indent = " " * 4
        for index, line in enumerate(body.splitlines() or [""]):
            self.show(f"{head} {line}" if index == 0 else f"{indent}{line}")
        if buttons:
            choices = "  ".join(
                f"({n}) {printable(button.label)}" for n, button in enumerate(buttons, 1)
            )
            hint = ":press N" if numbered else "buttons"
            self.show(f"{indent}{choices}   — {hint}")

    def message(self, number: int) -> Shown | None:
        return self.shown[number - 1] if 0 < number <= len(self.shown) else None

    def newest_with_buttons(self) -> Shown | None:
        return next((shown for shown in reversed(self.shown) if shown.buttons), None)


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


class Session:
    """One person at the keyboard, speaking as ``who``."""

    def __init__(self, adapter: InteractiveConsole, who: str) -> None:
        self.adapter = adapter
        self.who = who

    def event_for(self, line: str) -> Event | str | None:
        """The event a typed line means, a line to print instead, or None (nothing)."""
        mapper = self.adapter.mapper
        command, _, rest = line.partition(" ")
        rest = rest.strip()
        if not line.startswith(":"):
            if not line.strip():
                return None
            event = mapper.say(self.who, line)
            message = getattr(event, "message", None)
            if message is not None:
                self.adapter.echo(self.who, line, message)
            return event
        match command:
            case ":help":
                return HELP
            case ":as" if rest:
                self.who = rest
                return f"(you are now {rest})"
            case ":join" if rest:
                return mapper.join(rest)
            case ":leave" if rest:
                return mapper.leave(rest)
            case ":reply":
                return self._reply(rest)
            case ":react":
                return self._react(rest)
            case ":press":
                return self._press(rest)
        return f"{line.split()[0]}: not a control. {HELP.splitlines()[0]} Type :help."

    def _target(self, word: str) -> MessageRef | str:
        if not word.isdigit() or self.adapter.message(int(word)) is None:
            return f"no message [{word}]; the numbers are in brackets before each message"
        shown = self.adapter.message(int(word))
        assert shown is not None
        return shown.ref

    def _reply(self, rest: str) -> Event | str:
        number, _, text = rest.partition(" ")
        if not number or not text.strip():
            return "usage: :reply N TEXT (N is the number in brackets before a message)"
        target = self._target(number)
        if isinstance(target, str):
            return target
        event = self.adapter.mapper.say(self.who, text)
        message = getattr(event, "message", None)
        if message is not None:
            self.adapter.echo(self.who, f"(reply to [{number}]) {text}", message)
        return dataclasses.replace(event, reply_to=target)  # type: ignore[call-arg]

    def _react(self, rest: str) -> Event | str:
        number, _, emoji = rest.partition(" ")
        if not number or not emoji.strip():
            return "usage: :react N EMOJI, e.g. :react 3 👍"
        target = self._target(number)
        if isinstance(target, str):
            return target
        event = self.adapter.mapper.react(self.who, emoji.strip())
        self.adapter.show(f"({self.who} reacted {printable(emoji.strip())} to [{number}])")
        return dataclasses.replace(event, message=target)  # type: ignore[call-arg]

    def _press(self, rest: str) -> Event | str:
        words = rest.split()
        if not words or not all(word.isdigit() for word in words) or len(words) > 2:
            return "usage: :press N (button N of the newest message with buttons) or :press N M"
        if len(words) == 2:
            shown = self.adapter.message(int(words[1]))
            if shown is None or not shown.buttons:
                return f"message [{words[1]}] has no buttons"
        else:
            shown = self.adapter.newest_with_buttons()
            if shown is None:
                return "no message has buttons yet"
        choice = int(words[0])
        if not 0 < choice <= len(shown.buttons):
            return f"there are {len(shown.buttons)} buttons: :press 1 to {len(shown.buttons)}"
        button = shown.buttons[choice - 1]
        self.adapter.show(f"({self.who} pressed {printable(button.label)})")
        event = self.adapter.mapper.press(self.who, button.data)
        self.adapter.pressers[event.interaction_id] = self.who  # type: ignore[attr-defined]
        return dataclasses.replace(event, message=shown.ref)  # type: ignore[call-arg]


def _say(line: str) -> None:
    print(line, flush=True)


async def run_console(config: Config | None = None, source: str = "console") -> int:
    from townsquare.bots.runtime import Runtime

    with tempfile.TemporaryDirectory(prefix="townsquare-console-") as temporary:
        config, bot = _console_config(config, Path(temporary), source)
        adapter = InteractiveConsole(bot, output=_say)
        runtime = Runtime(
            config, adapters={bot.name: adapter}, delivery_options={"poll_interval": 0.2}
        )
        await runtime.start()
        session = Session(adapter, bot.managers[0] if bot.managers else "alice")
        _say(
            f"{bot.community} — you are {session.who} (a manager). Type a message or a "
            "/command; :help lists the controls, :quit leaves."
        )
        loop = asyncio.get_running_loop()
        try:
            while True:
                print(f"{session.who}> ", end="", flush=True)
                line = await loop.run_in_executor(None, sys.stdin.readline)
                if not line:
                    print()
                    break
                line = line.rstrip("\r\n")
                if line.strip() == ":quit":
                    print("(bye)")
                    break
                outcome = session.event_for(line)
                if isinstance(outcome, str):
                    _say(outcome)
                elif outcome is not None:
                    await adapter.feed(outcome)
                    await runtime.worker.drain(timeout=10)
        finally:
            await runtime.stop()
    return 0
