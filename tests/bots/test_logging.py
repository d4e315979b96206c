from __future__ import annotations

import logging

import pytest

from townsquare.bots.logging import RedactingFormatter, configure_logging


def record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    item = logging.LogRecord("townsquare", logging.INFO, __file__, 1, message, args, None)
    item.__dict__.update(extra)
    return item


def test_configured_secrets_and_token_shapes_are_redacted() -> None:
    formatter = RedactingFormatter(["my-signing-secret"])
    line = formatter.format(
        record(
            "POST https://api/bot%s/getMe failed; secret %s; slack %s",
            "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
            "my-signing-secret",
            "xoxb-1234567890-abcdefghij",
            bot="tg-main",
        )
    )
    assert "AAHdqTcv" not in line and "my-signing-secret" not in line and "xoxb-" not in line
    assert line.count("***") == 3
    assert line.endswith("bot=tg-main")


def test_json_lines() -> None:
    import json

    line = RedactingFormatter(as_json=True).format(record("hello %s", "world", bot="b"))
    payload = json.loads(line)
    assert payload["message"] == "hello world" and payload["bot"] == "b"
    assert payload["level"] == "info"


def test_request_lines_of_http_clients_are_not_logged_at_info(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure_logging("INFO")
        logging.getLogger("httpx").info('HTTP Request: POST https://api/bot123:abc/getMe "200"')
        logging.getLogger("townsquare").info("bot started")
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    err = capsys.readouterr().err
    assert "bot started" in err
    assert "HTTP Request" not in err
