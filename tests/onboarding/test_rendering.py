"""No display name renders as markup or a mass mention, on any platform.

Generated names (hostile fragments mixed with arbitrary text) fill real templates. In the
neutral text a name is only ever a whole PLAIN or MENTION span, never part of the template.
Then each adapter's own renderer turns the greeting into what the platform receives:
Telegram HTML must contain no tag but the mention link; Discord markdown no unescaped
markup (inline or at a line start), no ``@everyone``/``@here``/role mention and
``allowed_mentions`` naming only the newcomer; Slack rich text only unstyled ``text``
elements and the newcomer's ``user`` element, with a fallback holding no ``<...>`` control
sequence but the newcomer's mention.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fakes.slack import blocks as kit
from townsquare.core.i18n import Translator
from townsquare.core.onboarding.templates import render, variables
from townsquare.core.text import Style, Text

HOSTILE = [
    "@everyone",
    "@here",
    "<!channel>",
    "<!here|here>",
    "<@U999>",
    "<@123>",
    "<@&456>",
    "<b>",
    "</a>",
    '<a href="x">',
    "&amp;",
    "&lt;",
    "*",
    "**",
    "_",
    "~~",
    "||",
    "`",
    "```",
    "> ",
    "# ",
    "[x](https://evil.example)",
    "\n",
    "{name}",
    "}",
    "\\",
]
names = (
    st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=6)), min_size=1, max_size=6)
    .map("".join)
    .filter(lambda name: name.strip() != "")
)

TEMPLATES = [
    "Welcome to {community}, {mention}!",
    "{name} is here. Hi {mention}, read {rules}. We are {member_count}.",
    "Diamo il benvenuto a {mention} in {community}!",
    "@{name}",
]


def greeting(template: str, name: str, user_id: str, language: str = "en") -> Text:
    tr = Translator(language)
    values = variables(
        [(user_id, name)], community="Town <Square>", member_count=7, rules="Be *kind*", tr=tr
    )
    return render(template, values)


@settings(max_examples=300, deadline=None)
@given(name=names, template=st.sampled_from(TEMPLATES))
def test_names_stay_whole_spans_outside_the_template(name: str, template: str) -> None:
    text = greeting(template, name, "42")
    sentinel = greeting(template, "\x00", "42")
    assert len(text.spans) == len(sentinel.spans)
    for span, shape in zip(text.spans, sentinel.spans, strict=True):
        if shape.text == "\x00":
            assert span.text == name and span.style in (Style.PLAIN, Style.MENTION)
        else:
            assert span == shape, "template text and other values do not depend on the name"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, tuple[tuple[str, str | None], ...]]] = []
        self.data: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, tuple(attrs)))

    def handle_data(self, data: str) -> None:
        self.data.append(data)


def _visible(text: Text) -> str:
    return "".join(span.text for span in text.spans)


@settings(max_examples=300, deadline=None)
@given(name=names, template=st.sampled_from(TEMPLATES))
def test_telegram_html(name: str, template: str) -> None:
    outbound = pytest.importorskip("townsquare.adapters.telegram.outbound")
    text = greeting(template, name, "42")
    (chunk,) = outbound.render_chunks(text)
    parser = _Tags()
    parser.feed(chunk)
    parser.close()
    mentions = sum(1 for span in text.spans if span.style is Style.MENTION)
    assert parser.tags == [("a", (("href", "tg://user?id=42"),))] * mentions
    assert "".join(parser.data).strip() == _visible(text).strip()


DISCORD_ID = "123456789012345678"
_UNESCAPED_MARKUP = re.compile(r"(?<!\\)[*_~|`]")
_DISCORD_ESCAPED = re.compile(r"\\[^0-9A-Za-z\s]")
_DISCORD_INLINE = re.compile(r"[*_~|`\[\]<]")
_DISCORD_LINE_START = re.compile(r"^[ \t]*(?:>{1,3}|#{1,3}|-#|[-*+]|\d+\.)(?=\s|$)", re.MULTILINE)


def discord_markup(rendered: str) -> list[str]:
    """What Discord would read as markup in ``rendered``, besides the newcomer's mention:
    an unescaped emphasis, spoiler, code, masked-link or ``<…>`` character, or a quote,
    heading, subtext or list marker at the start of a line."""
    text = rendered.replace(f"<@{DISCORD_ID}>", "@")
    text = _DISCORD_ESCAPED.sub("·", text)  # an escaped character is a literal one
    return _DISCORD_INLINE.findall(text) + _DISCORD_LINE_START.findall(text)


@settings(max_examples=300, deadline=None)
@given(name=names, template=st.sampled_from(TEMPLATES))
def test_discord_markdown_and_mentions(name: str, template: str) -> None:
    outbound = pytest.importorskip("townsquare.adapters.discord.outbound")
    text = greeting(template, name, DISCORD_ID)
    rendered = "".join(outbound.render(text))
    assert "@everyone" not in rendered and "@here" not in rendered
    assert "<@&" not in rendered
    assert set(re.findall(r"<@!?(\d+)>", rendered)) <= {DISCORD_ID}
    assert outbound.allowed_mentions(text)["parse"] == []
    assert outbound.allowed_mentions(text).get("users", []) in ([], [DISCORD_ID])
    assert not discord_markup(rendered), rendered


SLACK_ID = "U0123ABCD"


@settings(max_examples=300, deadline=None)
@given(name=names, template=st.sampled_from(TEMPLATES))
def test_slack_rich_text(name: str, template: str) -> None:
    """Slack reads no markup in rich text: names must only ever be ``text`` elements
    without style, the newcomer only a ``user`` element, and the notification fallback
    must hold no control sequence but the newcomer's mention."""
    outbound = pytest.importorskip("townsquare.adapters.slack.outbound")
    text = greeting(template, name, SLACK_ID)
    mentions = sum(1 for span in text.spans if span.style is Style.MENTION)
    ((fallback, blocks),) = outbound.messages(text)
    message = {"text": fallback, "blocks": blocks}
    kit.check(message)  # Slack accepts it
    assert [block["type"] for block in blocks] == ["rich_text"]
    (section,) = blocks[0]["elements"]
    assert section["type"] == "rich_text_section"
    parts = section["elements"]
    assert [p for p in parts if p["type"] != "text"] == [
        {"type": "user", "user_id": SLACK_ID}
    ] * mentions
    assert all(p == {"type": "text", "text": p["text"]} for p in parts if p["type"] == "text")
    shown = "".join("\x00" if p["type"] == "user" else p["text"] for p in parts)
    meant = "".join("\x00" if s.style is Style.MENTION else s.text for s in text.spans)
    assert shown == meant.strip()
    assert kit.pings(message) == {"users": [SLACK_ID] * bool(mentions), "broadcast": []}

    controls = re.findall(r"<[^>]*>", fallback)
    assert set(controls) <= {f"<@{SLACK_ID}>"}, fallback
    leftover = fallback.replace(f"<@{SLACK_ID}>", "")
    assert "<" not in leftover and ">" not in leftover
    assert re.fullmatch(r"([^&]|&(amp|lt|gt);)*", leftover, re.DOTALL)


@settings(max_examples=100, deadline=None)
@given(name=names)
def test_a_combined_greeting_keeps_every_name_a_span(name: str) -> None:
    tr = Translator("ru")
    members = [(f"u{index}", f"{name}{index}") for index in range(5)]
    values = variables(members, community="X", member_count=5, rules="", tr=tr)
    text = render("Welcome {mention}", values)
    mentioned = [span.text for span in text.spans if span.style is Style.MENTION]
    assert mentioned == [f"{name}0", f"{name}1"]
    assert text.plain().endswith("и ещё 3 человека")


@pytest.mark.parametrize(
    "name",
    [
        "*bold* _it_ ~s~ `code` ```block```",
        "<!channel> <!here|here> <@U999> <https://evil.example|x> &amp;",
        "> quote\n• list\n1. item",
    ],
)
def test_slack_name_emphasis_is_not_rendered(name: str) -> None:
    outbound = pytest.importorskip("townsquare.adapters.slack.outbound")
    ((fallback, blocks),) = outbound.messages(greeting("Hi {name}", name, SLACK_ID))
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": f"Hi {name}"}]}
    assert blocks == [{"type": "rich_text", "elements": [section]}]
    assert fallback == "Hi " + name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.mark.parametrize(
    "name",
    ["x\n> quoted", "x\n>>> quoted", "# big", "## big", "-# small", "- item", "1. item", "+ item"],
)
def test_discord_name_cannot_start_a_quote_heading_or_list(name: str) -> None:
    outbound = pytest.importorskip("townsquare.adapters.discord.outbound")
    (chunk,) = outbound.render(greeting("Hi\n{name}", name, DISCORD_ID))
    assert "\n> " not in chunk and not discord_markup(chunk), chunk


@pytest.mark.parametrize(
    "name",
    [
        "[x](https://evil.example)[y](https://evil.example)",
        "[x](https://evil.example)*[x](https://evil.example)",
        "https://evil.example/a_b_*c*[y](https://evil.example) **after**",
    ],
)
def test_discord_name_next_to_a_link_stays_inert(name: str) -> None:
    outbound = pytest.importorskip("townsquare.adapters.discord.outbound")
    (chunk,) = outbound.render(greeting("Hi {name}", name, DISCORD_ID))
    unescaped_link = re.search(r"(?<!\\)\[[^\]]*\]\(", chunk.split(")", 1)[1])
    assert not unescaped_link and not _UNESCAPED_MARKUP.search(chunk), chunk
    assert not discord_markup(chunk), chunk
    assert "https://evil.example" in chunk, "a member's link stays a link"
