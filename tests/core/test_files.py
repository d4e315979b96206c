"""Files as actions: the outbox round trip, and the visible fallbacks."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from tests.support import CHANNEL
from townsquare.core.actions import (
    MAX_FILE_BYTES,
    SendDirect,
    SendFile,
    SendMessage,
    action_from_payload,
    action_to_payload,
)
from townsquare.core.capabilities import Capability
from townsquare.core.degrade import degrade
from townsquare.core.text import bold, compose

EVERYTHING = frozenset(Capability)
CSV = "option,votes,voters\r\nPizza,1,Zoë\r\nSushi,0,\r\n".encode()


def private_file(data: bytes = CSV, **changes: object) -> SendFile:
    fields: dict[str, object] = {
        "bot": "b",
        "filename": "poll-1.csv",
        "data": data,
        "mime_type": "text/csv",
        "caption": compose("Poll #1 as CSV: {q}", q=bold("Lunch?")),
        "user_id": "u1",
        "display_name": "Alice",
        "fallback_channel": CHANNEL,
    }
    fields.update(changes)
    return SendFile(**fields)  # type: ignore[arg-type]


def test_a_file_survives_the_outbox_as_json() -> None:
    binary = bytes(range(256))
    for action in (
        private_file(),
        private_file(binary, mime_type="application/octet-stream"),
        SendFile(bot="b", filename="a.bin", data=b"", channel=CHANNEL),
    ):
        payload = json.loads(json.dumps(action_to_payload(action)))
        assert payload["kind"] == "send_file" and isinstance(payload["data"], str)
        assert action_from_payload(payload) == action
    assert action_to_payload(private_file(b"\xff"))["data"] == "/w=="


def test_a_file_has_exactly_one_target_and_a_plain_name() -> None:
    with pytest.raises(ValidationError, match="either to a channel or to a member"):
        SendFile(bot="b", filename="x.csv", data=b"x", channel=CHANNEL, user_id="u1")
    with pytest.raises(ValidationError, match="either to a channel or to a member"):
        SendFile(bot="b", filename="x.csv", data=b"x")
    with pytest.raises(ValidationError, match="not a file name"):
        SendFile(bot="b", filename="../x.csv", data=b"x", channel=CHANNEL)
    with pytest.raises(ValidationError, match="must be bytes"):
        action_from_payload({**action_to_payload(private_file()), "data": "not base64!"})


def test_files_pass_where_the_platform_takes_them() -> None:
    action = private_file()
    assert degrade(action, EVERYTHING) == [action]


def test_without_files_a_private_file_becomes_its_text_privately() -> None:
    (direct,) = degrade(private_file(), EVERYTHING - {Capability.FILES})
    assert isinstance(direct, SendDirect)
    assert (direct.user_id, direct.fallback_channel) == ("u1", CHANNEL)
    assert direct.text.plain() == (
        "Poll #1 as CSV: Lunch?\npoll-1.csv\noption,votes,voters\nPizza,1,Zoë\nSushi,0,"
    )


def test_without_files_and_direct_messages_the_text_goes_to_the_channel_with_a_mention() -> None:
    (message,) = degrade(
        private_file(), EVERYTHING - {Capability.FILES, Capability.DIRECT_MESSAGES}
    )
    assert isinstance(message, SendMessage) and message.channel == CHANNEL
    assert message.text.plain().startswith("@Alice Poll #1 as CSV: Lunch?\npoll-1.csv\n")


def test_a_channel_file_without_files_becomes_a_message_and_binary_is_named() -> None:
    action = SendFile(bot="b", filename="logo.png", data=b"\x89PNG\x00\xff", channel=CHANNEL)
    (message,) = degrade(action, EVERYTHING - {Capability.FILES})
    assert isinstance(message, SendMessage) and message.channel == CHANNEL
    assert message.text.plain() == (
        "(logo.png: this platform cannot receive files, and it is not text.)"
    )


def test_a_file_too_large_becomes_a_visible_notice() -> None:
    action = private_file(b"x" * (MAX_FILE_BYTES + 1))
    (direct,) = degrade(action, EVERYTHING)
    assert isinstance(direct, SendDirect)
    assert direct.text.plain() == (
        "Poll #1 as CSV: Lunch?\nThe file poll-1.csv is too large to send (8.0 MB; at most 8 MB)."
    )
