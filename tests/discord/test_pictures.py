"""A picture (``SendFile`` with an image type) shows inline on Discord: an attachment
named as the image it is, which Discord decodes (it gives the width and height)."""

from __future__ import annotations

from tests.discord.conftest import Running, World
from tests.fakes.discord import FakeDiscord
from tests.fakes.images import png
from townsquare.core.actions import SendFile
from townsquare.core.refs import ChannelRef
from townsquare.core.text import as_text


async def test_a_png_is_an_inline_image_attachment(
    fake: FakeDiscord, world: World, running: Running
) -> None:
    data = png(400, 120)
    action = SendFile(
        bot="discord-test",
        filename="card",
        data=data,
        mime_type="image/png",
        caption=as_text("Level 5 @everyone"),
        channel=ChannelRef(str(world.general_id)),
    )
    delivered = await running.adapter.perform(action)
    (message,) = fake.messages_in(world.general_id)
    (attachment,) = message["attachments"]
    assert attachment["filename"] == "card.png"
    assert attachment["content_type"] == "image/png"
    assert (attachment["width"], attachment["height"]) == (400, 120)
    assert fake.attachments(message) == [("card.png", data)]
    assert message["content"] == "Level 5 @\u200beveryone"
    assert not message["pings"]["everyone"]
    assert delivered.messages[0].message_id == message["id"]


async def test_a_file_that_is_not_an_image_keeps_its_name(
    fake: FakeDiscord, world: World, running: Running
) -> None:
    action = SendFile(
        bot="discord-test",
        filename="votes.csv",
        data=b"a,b\r\n1,2\r\n",
        mime_type="text/csv",
        channel=ChannelRef(str(world.general_id)),
    )
    await running.adapter.perform(action)
    (message,) = fake.messages_in(world.general_id)
    (attachment,) = message["attachments"]
    assert attachment["filename"] == "votes.csv" and "width" not in attachment
