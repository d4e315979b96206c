"""The adapters' fakes, for the giveaway tests that run through them."""

from tests.slack.conftest import port, slack  # noqa: F401
from tests.telegram.conftest import api, backend  # noqa: F401
