"""A picture (``SendFile`` with an image type) shows inline on Slack: an upload named as
the image it is (``files_upload_v2`` against the fake, which reads it as Slack does)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.images import png
from tests.fakes.slack.server import FakeSlack, message_text, pings
from tests.slack.conftest import SECRET, slack_config
from tests.slack.test_conformance import Collector
from townsquare.adapters.slack.transport import SlackAdapter
from townsquare.core.actions import SendFile
from townsquare.core.ports import AdapterDeps
from townsquare.core.refs import ChannelRef
from townsquare.core.text import as_text


@pytest.fixture
async def adapter(slack: FakeSlack, port: int) -> AsyncIterator[SlackAdapter]:
    config = slack_config(
        token=slack.token, signing_secret=SECRET, listen=f"127.0.0.1:{port}", api_url=slack.url
    )
    started = SlackAdapter(config, AdapterDeps())
    await started.start(Collector())
    yield started
    await started.stop()
    await started.close()


async def test_a_png_is_uploaded_as_an_inline_image(
    slack: FakeSlack, adapter: SlackAdapter
) -> None:
    data = png(400, 120)
    action = SendFile(
        bot="sl",
        filename="card",
        data=data,
        mime_type="image/png",
        caption=as_text("Level 5 <!channel>"),
        channel=ChannelRef("C0GENERAL"),
    )
    await adapter.perform(action)
    (shared,) = slack.shared_files("C0GENERAL")
    assert (shared["filename"], shared["title"], shared["data"]) == ("card.png", "card.png", data)
    assert (shared["mimetype"], shared["filetype"]) == ("image/png", "png")
    assert (shared["original_w"], shared["original_h"]) == (400, 120)
    assert shared["initial_comment"] is None, "the caption is rich text, never mrkdwn"
    assert message_text({"blocks": shared["blocks"]}) == "Level 5 <!channel>"
    assert pings({"blocks": shared["blocks"]}) == {"users": [], "broadcast": []}


async def test_a_file_that_is_not_an_image_keeps_its_name(
    slack: FakeSlack, adapter: SlackAdapter
) -> None:
    action = SendFile(
        bot="sl",
        filename="votes.csv",
        data=b"a,b\r\n1,2\r\n",
        mime_type="text/csv",
        channel=ChannelRef("C0GENERAL"),
    )
    await adapter.perform(action)
    (shared,) = slack.shared_files("C0GENERAL")
    assert shared["filename"] == "votes.csv" and "original_w" not in shared
