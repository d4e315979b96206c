"""The fake Discord keeps the protocol details that real clients depend on."""

from __future__ import annotations

import json
import zlib

import aiohttp

from tests.fakes.discord import FakeDiscord


async def test_rest_content_type_is_exactly_json(fake: FakeDiscord) -> None:
    """discord.py parses a body as JSON only for ``application/json`` without charset."""
    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bot {fake.token}"}
        async with session.get(fake.api_url + "/users/@me", headers=headers) as response:
            assert response.headers["Content-Type"] == "application/json"
            assert (await response.json())["id"] == fake.bot_user["id"]
        async with session.get(fake.api_url + "/users/@me") as response:
            assert response.status == 401
            assert response.headers["Content-Type"] == "application/json"


async def test_rate_limit_response_shape(fake: FakeDiscord) -> None:
    fake.rate_limit_next("GET", "/users/@me", retry_after=1.5)
    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bot {fake.token}"}
        async with session.get(fake.api_url + "/users/@me", headers=headers) as response:
            assert response.status == 429
            assert response.headers["Via"]
            body = await response.json(content_type=None)
            assert body["retry_after"] == 1.5 and body["global"] is False


async def test_gateway_zlib_stream_frames(fake: FakeDiscord) -> None:
    """One zlib stream per connection; every frame ends with the Z_SYNC_FLUSH marker and
    decompresses only with the connection's shared context."""
    fake.add_guild()
    url = fake.gateway_url + "?v=10&encoding=json&compress=zlib-stream"
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        inflate = zlib.decompressobj()
        hello_frame = await ws.receive_bytes()
        assert hello_frame.endswith(b"\x00\x00\xff\xff")
        hello = json.loads(inflate.decompress(hello_frame))
        assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
        await ws.send_json({"op": 2, "d": {"token": fake.token, "intents": 1, "properties": {}}})
        ready_frame = await ws.receive_bytes()
        assert ready_frame.endswith(b"\x00\x00\xff\xff")
        ready = json.loads(inflate.decompress(ready_frame))
        assert (ready["t"], ready["s"]) == ("READY", 1)
        assert ready["d"]["resume_gateway_url"] == fake.gateway_url
        guild_create = json.loads(inflate.decompress(await ws.receive_bytes()))
        assert (guild_create["t"], guild_create["s"]) == ("GUILD_CREATE", 2)
        assert guild_create["d"]["unavailable"] is False
        await ws.send_json({"op": 1, "d": 2})
        ack = json.loads(inflate.decompress(await ws.receive_bytes()))
        assert ack["op"] == 11


async def test_gateway_rejects_bad_token_and_shard(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        for identify, code in (
            ({"token": "nope", "intents": 1}, 4004),
            ({"token": fake.token, "intents": 1, "shard": [2, 2]}, 4010),
            ({"token": fake.token, "intents": 1 << 8}, 4014),
        ):
            async with session.ws_connect(fake.gateway_url + "?v=10&encoding=json") as ws:
                assert json.loads(await ws.receive_str())["op"] == 10
                await ws.send_json({"op": 2, "d": identify})
                closing = await ws.receive()
                assert closing.type is aiohttp.WSMsgType.CLOSE and closing.data == code
