"""The adapters' fakes, for the events tests that run through them."""

from tests.discord.conftest import fake, world  # noqa: F401
from tests.telegram.conftest import api, backend  # noqa: F401
