"""The adapters' fakes, for the escalation tests that run through them; the conflict
detector's precision and recall on the labelled multilingual set, in the terminal summary
of any run that includes it."""

from typing import Any

from tests.discord.conftest import fake, world  # noqa: F401
from tests.slack.conftest import port, slack  # noqa: F401
from tests.telegram.conftest import api, backend  # noqa: F401


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from tests.escalation.test_detectors import LEXICON_REPORT

    for line in LEXICON_REPORT:
        terminalreporter.write_line(f"Conflict lexicon: {line}")
