"""What an idea's GitHub issue says: a plain title, the member's text fenced so it can
neither become markdown nor mention anyone, the votes, a link back where one exists."""

from __future__ import annotations

from datetime import UTC, datetime

from townsquare.core.feedback.github import (
    closed_status,
    issue_body,
    issue_title,
    new_marker,
    permalink,
)
from townsquare.core.feedback.rules import Status
from townsquare.core.feedback.store import Account, Idea
from townsquare.core.posts import Post
from townsquare.core.refs import ChannelRef, MessageRef

BOB = Account("account:memory:bob", "memory", "mem", "bob", "Bob", "c1")


def idea(text: str, *, votes: int = 3, posts: tuple[Post, ...] = ()) -> Idea:
    return Idea(
        id=12,
        scope="community:memory:c1",
        platform="memory",
        community_id="c1",
        text=text,
        status=Status.PLANNED,
        submitter=BOB,
        created_at=datetime.now(UTC),
        votes=votes,
        posts=posts,
    )


def post(platform: str, community: str, channel: str, message: str | None) -> Post:
    ref = MessageRef(ChannelRef(channel), message) if message else None
    return Post("bot", platform, community, channel, None, "feedback:12:1", ref)


def test_the_title_is_the_first_words_and_the_body_says_votes_and_status() -> None:
    long = "Let members export their whole history as a CSV file from the web dashboard " * 2
    title = issue_title(idea(long))
    assert len(title) <= 81 and title.endswith("…") and " " in title
    assert issue_title(idea("Dark   mode\nplease")) == "Dark mode please"
    marker = new_marker()
    body = issue_body(idea("Dark mode please"), "Olga", marker)
    assert body.startswith("```text\nDark mode please\n```")
    assert "**3 votes** · status: planned · idea #12" in body and "`Olga`" in body
    assert body.endswith(marker)
    assert "**1 vote** ·" in issue_body(idea("Dark mode please", votes=1), "Olga", marker)


def test_a_member_cannot_break_out_of_the_fence_or_mention_anyone() -> None:
    text = "```\n@everyone <script>x</script> **bold** ````"
    body = issue_body(idea(text), "Ev`e", new_marker())
    fence = body.split("\n", 1)[0]
    assert fence == "`````text", "longer than any run of backticks in the text"
    inside, after = body.split("\n", 1)[1].split("\n`````\n", 1)
    assert inside == text and "@everyone" not in after
    assert "`Ev'e`" in after, "the requester's name cannot close its code span"


def test_the_link_back_is_the_board_message_where_the_platform_has_one() -> None:
    discord = post("discord", "987", "555", "42")
    telegram = post("telegram", "-1001234567890", "-1001234567890", "7")
    assert permalink(idea("x", posts=(discord,))) == "https://discord.com/channels/987/555/42"
    assert permalink(idea("x", posts=(telegram,))) == "https://t.me/c/1234567890/7"
    assert permalink(idea("x", posts=(post("slack", "T1", "C1", "1.2"),))) is None
    assert permalink(idea("x", posts=(post("discord", "987", "555", None),))) is None
    body = issue_body(idea("x", posts=(telegram,)), "Olga", new_marker())
    assert "[idea #12](https://t.me/c/1234567890/7)" in body


def test_closed_reasons() -> None:
    assert closed_status("completed") is Status.DONE
    assert closed_status("not_planned") is Status.DECLINED
    assert closed_status("duplicate") is None
