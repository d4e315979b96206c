"""Watch words end to end on Slack, through ``townsquare run`` and slack-bolt against the
fake Web API, the managers' inbox a Slack channel (``[defaults] escalate_to``):

* a member is refused ``/watch add``; the workspace's owner adds a phrase, privately told;
* a channel message mentioning it (another form of the word) lands in one digest message
  in the inbox, naming its author and platform, with the message's link (the workspace's
  address is known from ``auth.test``); an ordinary message and a direct message add
  nothing;
* the next mention in the hour edits that digest (``chat.update``): still one message.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.slack import server as slack_fake
from tests.rewards.town import SL, SLACK_ALICE, SLACK_BOB, SLACK_OLGA, Town
from tests.rewards.town import town as town

INBOX = "C0MODS"


def digests(town: Town, method: str = "chat.postMessage") -> list[dict[str, Any]]:
    return [
        call
        for call in town.slack.called(method)
        if call.get("channel") == INBOX and "Watch words," in slack_fake.message_text(call)
    ]


def links(call: dict[str, Any]) -> list[str]:
    """The links of a message's rich text blocks, in order."""
    found: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "link":
                found.append(str(node["url"]))
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(call.get("blocks", []))
    return found


async def test_a_slack_mention_reaches_the_digest_in_the_inbox(town: Town) -> None:
    await town.start(town.write_config(extra=f'\n[defaults]\nescalate_to = "{SL}:{INBOX}"\n'))

    refused = await town.slack_command(SLACK_BOB, "/watch", "add refund")
    assert refused["text"] == "Sorry, only managers can use /watch add.", refused
    added = await town.slack_command(SLACK_OLGA, "/watch", "add refund")
    assert added["text"].startswith("Watching #1 “refund”"), added

    await town.slack_says(SLACK_BOB, "good morning everyone, how is the week going")
    await town.slack_says(SLACK_ALICE, "a refund, privately", channel="D0ALICE")
    ts = await town.slack_says(SLACK_ALICE, "Where are the REFUNDS? It has been a week")

    (digest,) = await town.slack.wait_for(
        "chat.postMessage",
        where=lambda call: (
            call.get("channel") == INBOX and "“refund” ×1" in slack_fake.message_text(call)
        ),
        timeout=30,
    )
    text = slack_fake.message_text(digest)
    assert "Alice on Slack" in text, text
    link = f"https://town.example/archives/C0GENERAL/p{ts.replace('.', '')}"
    assert links(digest) == [link], digest
    assert "REFUNDS" in text, text  # the excerpt
    assert len(digests(town)) == 1

    await town.slack_says(SLACK_BOB, "I got my refund yesterday")
    (edited,) = await town.slack.wait_for(
        "chat.update",
        where=lambda call: (
            call.get("channel") == INBOX and "“refund” ×2" in slack_fake.message_text(call)
        ),
        timeout=30,
    )
    assert "Bob on Slack" in slack_fake.message_text(edited)
    assert len(digests(town)) == 1, [slack_fake.message_text(c) for c in digests(town)]
    await town.stop()
