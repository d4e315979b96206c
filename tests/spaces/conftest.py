"""The adapters' fakes, for the tests of what a space shares across platforms."""

from tests.discord.conftest import fake, world  # noqa: F401
from tests.slack.conftest import port, slack  # noqa: F401
from tests.telegram.conftest import api, backend  # noqa: F401
