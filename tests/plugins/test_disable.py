"""``[features] disable``: a built-in feature left out is gone for members, its commands
and its help lines included, while the others run as before."""

from __future__ import annotations

from tests.conftest import migrate
from tests.support import MemoryAdapter, command, manager, said
from townsquare.bots.config import parse_config
from townsquare.bots.runtime import Runtime


async def test_disabled_features_do_not_run(sqlite_url: str) -> None:
    await migrate(sqlite_url)
    adapter = MemoryAdapter()
    config = parse_config(
        {
            "storage": {"url": sqlite_url},
            "features": {"disable": ["polls", "faq"]},
            "bots": [{"name": "mem", "platform": "console"}],
        },
        {},
        "test",
    )
    runtime = Runtime(config, adapters={"mem": adapter}, delivery_options={"poll_interval": 0.05})
    await runtime.start()
    try:
        assert {feature.name for feature in runtime.features} >= {"help", "escalation"}
        assert not {"polls", "faq"} & {feature.name for feature in runtime.features}
        for event in (
            command("help", who=manager("Alice")),
            command("poll", '"Lunch?"', "Pizza", "Sushi", who=manager("Alice")),
            command("faq", "add", "How do I pay?", "By card.", who=manager("Alice")),
            said("how do I pay?"),
            command("rules", who=manager("Alice")),
        ):
            await runtime.pipeline.submit(event)
        assert await runtime.worker.drain(timeout=10)
    finally:
        await runtime.stop()
    help_text, poll, faq, rules = adapter.texts()
    assert "/poll" not in help_text and "/faq" not in help_text and "/rules" in help_text
    assert poll == "Unknown command /poll. Try /help."
    assert faq == "Unknown command /faq. Try /help."
    assert rules == "There are no rules yet."  # onboarding still answers
