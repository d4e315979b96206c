"""The Discord fake and a started adapter, for the attachment mapping tests."""

from tests.discord.conftest import fake, running, world  # noqa: F401
