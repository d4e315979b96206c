"""The adapters' fakes, for the FAQ tests that run through them; the matching quality
measured on the labelled set, in the terminal summary of any run that includes it."""

from typing import Any

from tests.discord.conftest import fake, world  # noqa: F401
from tests.slack.conftest import port, slack  # noqa: F401
from tests.telegram.conftest import api, backend  # noqa: F401


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from tests.faq.test_matching import MATCHING_REPORT

    for line in MATCHING_REPORT:
        terminalreporter.write_line(f"FAQ matching: {line}")
