"""The console adapter speaks the same event model as the platform adapters."""

from __future__ import annotations

import pytest

from tests.conformance import scenarios as s
from townsquare.adapters.console.config import ConsoleBotConfig
from townsquare.adapters.console.transport import ConsoleAdapter
from townsquare.core.events import Event

# The console simulates people, not a platform: there is no bot to add.
NOT_SIMULATED = {"bot_added"}


def adapter() -> ConsoleAdapter:
    return ConsoleAdapter(
        ConsoleBotConfig(name="local", platform="console"), output=lambda line: None
    )


def replay(console: ConsoleAdapter, name: str) -> Event:
    mapper = console.mapper
    if name == "join":
        return mapper.join(s.MEMBER_NAME)
    if name == "join_hostile":
        return mapper.join(s.HOSTILE_NAME)
    if name == "leave":
        return mapper.leave(s.MEMBER_NAME)
    if name == "message":
        return mapper.say(s.MEMBER_NAME, s.MESSAGE_TEXT)
    if name == "command":
        return mapper.say(s.MEMBER_NAME, s.COMMAND_TEXT)
    if name == "button":
        return mapper.press(s.MEMBER_NAME, s.BUTTON_DATA)
    if name == "reaction":
        return mapper.react(s.MEMBER_NAME, s.REACTION_EMOJI)
    raise AssertionError(name)


@pytest.mark.parametrize(
    "scenario", [sc for sc in s.SCENARIOS if sc.name not in NOT_SIMULATED], ids=lambda sc: sc.name
)
def test_scenario(scenario: s.Scenario) -> None:
    console = adapter()
    event = replay(console, scenario.name)
    s.assert_conforms([event], scenario, platform="console", bot="local")


async def test_console_prints_every_conformance_action() -> None:
    console = adapter()
    community, channel = console.mapper.community, console.mapper.channel
    actions = s.conformance_actions(
        bot="local", community=community, channel=channel, message_id="1", user_id="eve"
    )
    for action in actions.values():
        await console.perform(action)
    transcript = "\n".join(console.transcript)
    assert f"@{s.HOSTILE_NAME}" in transcript
    assert "(muted eve)" in transcript and "(removed eve)" in transcript
    assert "[Pizza]  [Sushi]  [Retract vote]" in transcript
