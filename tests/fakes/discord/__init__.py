"""A fake Discord (REST + gateway) for tests; see :mod:`tests.fakes.discord.server`."""

from tests.fakes.discord.server import FakeDiscord, FakeInteraction, Guild, Request

__all__ = ["FakeDiscord", "FakeInteraction", "Guild", "Request"]
