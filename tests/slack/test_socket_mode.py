"""Socket Mode: the same adapter over a websocket instead of HTTP."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from tests.fakes.slack import server as f
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.socket import FakeSocketMode
from tests.slack.conftest import ALICE
from townsquare.bots.config import parse_config
from townsquare.bots.runtime import Runtime
from townsquare.core.events import ButtonPressed, MessagePosted
from townsquare.core.features import Context, Feature, on


class Echo(Feature):
    name = "echo"

    @on(MessagePosted)
    async def echo(self, event: MessagePosted, ctx: Context) -> None:
        ctx.reply(f"heard: {event.text}")

    @on(ButtonPressed)
    async def pressed(self, event: ButtonPressed, ctx: Context) -> None:
        ctx.answer(f"pressed {event.data}")


async def test_slash_command_and_event_over_socket_mode(slack: FakeSlack, sqlite_url: str) -> None:
    socket = await FakeSocketMode().start()
    slack.socket_url = socket.url
    config = parse_config(
        {
            "storage": {"url": sqlite_url},
            "bots": [
                {
                    "name": "slack-socket",
                    "platform": "slack",
                    "token": slack.token,
                    "app_token": "xapp-1-A0TOWN-test",
                    "api_url": slack.url,
                }
            ],
        },
        {},
        "test",
    )
    try:
        async with Runtime(config, extra_features=[Echo()]):
            command = dict(
                parse_qsl(
                    f.command_body("/help", "", ALICE, response_url=slack.response_url).decode()
                )
            )
            envelope = await socket.send("slash_commands", command)
            await socket.acked(envelope)
            (reply,) = await slack.wait_for("response_url")
            assert reply["response_type"] == "ephemeral" and "/help" in reply["text"]

            event = json.loads(
                f.event_body(
                    {
                        "type": "message",
                        "channel": "C0GENERAL",
                        "user": ALICE,
                        "text": "hi",
                        "ts": "1.2",
                        "event_ts": "1.2",
                        "channel_type": "channel",
                    },
                    "Ev0SOCKET",
                )
            )
            envelope = await socket.send("events_api", event)
            await socket.acked(envelope)
            (echo,) = await slack.wait_for("chat.postMessage")
            assert echo["text"] == "heard: hi"

            press = f.block_actions("color:red", ALICE, response_url=slack.response_url)
            envelope = await socket.send("interactive", press)
            await socket.acked(envelope)
            toast = (await slack.wait_for("response_url", 2))[1]
            assert (toast["response_type"], toast["text"]) == ("ephemeral", "pressed color:red")
        assert slack.called("apps.connections.open")
    finally:
        await socket.close()
