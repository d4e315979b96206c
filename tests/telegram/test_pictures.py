"""A picture (``SendFile`` with an image type) shows inline on Telegram: ``sendPhoto``
through aiogram and python-telegram-bot against the fake, and ``sendDocument`` when
Telegram will not take it as a photo."""

from __future__ import annotations

import logging

import pytest

from tests.fakes.images import png
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from tests.telegram.conftest import Collector
from townsquare.adapters.telegram.outbound import plan
from townsquare.core.actions import SendFile
from townsquare.core.ports import Adapter
from townsquare.core.refs import ChannelRef
from townsquare.core.text import as_text

GROUP = ChannelRef(str(p.GROUP["id"]))


def picture(data: bytes, mime_type: str = "image/png", name: str = "card") -> SendFile:
    return SendFile(
        bot="tg",
        filename=name,
        data=data,
        mime_type=mime_type,
        caption=as_text("Level 5 <b>"),
        channel=GROUP,
    )


def test_only_photos_telegram_shows_as_photos_are_planned_as_photos() -> None:
    (photo,) = plan(picture(png()))
    assert photo.method == "sendPhoto" and photo.upload is not None
    assert (photo.upload.field, photo.upload.filename) == ("photo", "card.png")
    assert photo.fallback is not None and photo.fallback.method == "sendDocument"
    assert photo.params["caption"] == "Level 5 &lt;b&gt;"
    for mime_type in ("image/gif", "image/svg+xml", "text/csv", "application/octet-stream"):
        (call,) = plan(picture(b"GIF89a", mime_type))
        assert call.method == "sendDocument" and call.fallback is None


async def test_a_png_is_sent_as_a_photo(
    api: FakeBotApi, running: tuple[Adapter, Collector]
) -> None:
    adapter, _sink = running
    data = png(400, 120)
    delivered = await adapter.perform(picture(data))
    ((chat, photo),) = api.photos
    assert (chat, photo.filename, photo.data) == (p.GROUP["id"], "card.png", data)
    (sent,) = api.called("sendPhoto")
    assert sent["caption"] == "Level 5 &lt;b&gt;" and sent["parse_mode"] == "HTML"
    assert not api.called("sendDocument")
    assert delivered.messages[0].channel == GROUP


@pytest.mark.parametrize(
    ("data", "refusal"),
    [
        (png(2000, 40), "PHOTO_INVALID_DIMENSIONS"),  # 50 times wider than high
        (b"\x89PNG\r\n\x1a\nnot really", "IMAGE_PROCESS_FAILED"),
        (png(), "not enough rights to send photos"),
    ],
)
async def test_a_picture_refused_as_a_photo_arrives_as_a_document(
    api: FakeBotApi,
    running: tuple[Adapter, Collector],
    caplog: pytest.LogCaptureFixture,
    data: bytes,
    refusal: str,
) -> None:
    adapter, _sink = running
    if refusal.startswith("not enough rights"):
        api.no_photos.add(p.GROUP["id"])
    with caplog.at_level(logging.INFO):
        delivered = await adapter.perform(picture(data))
    assert len(api.called("sendPhoto")) == 1 and not api.photos
    (document,) = api.called("sendDocument")
    assert document["caption"] == "Level 5 &lt;b&gt;"
    ((chat, uploaded),) = api.documents
    assert (chat, uploaded.filename, uploaded.data) == (p.GROUP["id"], "card", data)
    assert len(delivered.messages) == 1
    assert any(refusal.lower() in record.getMessage().lower() for record in caplog.records)
