"""Structured logging with secrets redacted.

Lines are ``time level logger message key=value...`` (or one JSON object per line with
``--log-format json``). Every configured secret, and anything shaped like a Telegram, Slack
or Discord token, is replaced by ``***`` after formatting, so a token inside an SDK's URL
or exception text never reaches the log.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime

TOKEN_PATTERNS = re.compile(
    r"\d{6,}:[A-Za-z0-9_-]{30,}"  # Telegram bot token
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"  # Slack tokens
    r"|xapp-[A-Za-z0-9-]{10,}"  # Slack app-level token
    r"|[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,}"  # Discord bot token
)

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


class RedactingFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str] = (), *, as_json: bool = False) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)
        self.as_json = as_json

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return TOKEN_PATTERNS.sub("***", text)

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info:
            message = f"{message}\n{self.formatException(record.exc_info)}"
        extra = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        when = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        if self.as_json:
            payload = {
                "time": when,
                "level": record.levelname.lower(),
                "logger": record.name,
                "message": message,
                **{k: str(v) for k, v in extra.items()},
            }
            return self.redact(json.dumps(payload, ensure_ascii=False))
        fields = " ".join(f"{k}={v}" for k, v in extra.items())
        line = f"{when} {record.levelname:<7} {record.name}: {message}"
        return self.redact(f"{line} {fields}" if fields else line)


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

NOISY_LOGGERS = (
    "aiosqlite",
    "sqlalchemy.engine",
    "alembic.runtime.migration",
    "alembic.runtime.plugins",  # imported once logging is set up, when a schema is behind
    "httpx",
    "httpcore",
)


def configure_logging(
    level: str = "INFO", *, secrets: Iterable[str] = (), as_json: bool = False
) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter(secrets, as_json=as_json))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Libraries that log every query or request at INFO; httpx's request lines carry the
    # Telegram token in the URL (redacted anyway, but one line per API call is noise).
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
