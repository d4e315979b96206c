"""The rank card: a PNG of the right size whose bar shows the level's progress, and hostile
names (right-to-left, emoji, 500 characters, control and zero-width characters) drawn
without error and cut with an ellipsis; on a system font and on Pillow's built-in one."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFont

from townsquare.core.i18n import Translator
from townsquare.core.rewards import card as card_module
from townsquare.core.rewards.card import (
    BAR_BOX,
    ELLIPSIS,
    FILL,
    HEIGHT,
    TRACK,
    WIDTH,
    CardLabels,
    RankCard,
    clean,
    fit,
    progress,
    render_rank_card,
)

HOSTILE_NAMES = {
    "arabic": "محمد عبد الرحمن",
    "hebrew with latin": "שלום Dana שלום",
    "rtl override": "\u202eevil\u202c name \u2066x\u2069",
    "emoji": "😀🎉👨‍👩‍👧‍👦🇮🇹🏳️‍🌈👍🏽",
    "500 characters": "Ж" * 250 + "a" * 250,
    "500 wide characters": "W" * 500,
    "control characters": "a\x00b\x01c\x07\x1b[31mred\x7f\x85\u2028\u2029\n\r\t end",
    "zero-width": "\u200b\u200c\u200d\ufeff\u2060zero\u200bwidth",
    "only invisible": "\u200b\u200d\x00\u202e\n",
    "empty": "",
    "combining": "Z" + "\u0351\u0358\u0336\u0489" * 120,
    "lone surrogate": "a\ud800b\udfff",
    "private use and unassigned": "\ue000\U0010fffd\u0378x",
    "cjk": "山田太郎" * 30,
    "markup": '<b>@everyone</b> <a href="x">',
}


def make(
    display_name: str = "Ada",
    *,
    xp: int = 150,
    floor: int = 100,
    next_at: int = 200,
    position: int | None = 3,
    community: str = "Chess club",
    level: int = 2,
) -> RankCard:
    return RankCard(
        display_name=display_name,
        level=level,
        xp=xp,
        level_floor=floor,
        next_level_at=next_at,
        position=position,
        members=120,
        reputation=7,
        community=community,
    )


def decode(data: bytes) -> Image.Image:
    image = Image.open(BytesIO(data))
    assert image.format == "PNG"
    image.load()
    return image.convert("RGB")


def bar_row(image: Image.Image) -> list[tuple[int, int, int]]:
    """The pixels along the bar's middle row, where its rounded ends reach full width."""
    left, top, right, bottom = BAR_BOX
    middle = (top + bottom) // 2
    return [image.getpixel((x, middle)) for x in range(left, right)]  # type: ignore[misc]


@pytest.fixture(params=["system font", "built-in font"])
def font(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Each test runs on the host's font and on Pillow's own (what a bare image has)."""
    if request.param == "built-in font":
        monkeypatch.setattr(
            card_module, "_font", lambda size, bold=False: ImageFont.load_default(size)
        )
    yield request.param


def test_the_card_is_a_png_of_the_documented_size(font: str) -> None:
    image = decode(render_rank_card(make()))
    assert image.size == (WIDTH, HEIGHT)


@pytest.mark.parametrize(
    ("xp", "floor", "next_at", "share"),
    [
        (100, 100, 200, 0.0),
        (101, 100, 200, 0.01),
        (134, 100, 200, 0.34),
        (150, 100, 200, 0.5),
        (199, 100, 200, 0.99),
        (200, 100, 200, 1.0),
        (1_234, 1_000, 2_000, 0.234),
        (5_000, 100, 200, 1.0),  # past the next level (a stale card): full, not overflowing
        (-50, 0, 100, 0.0),  # below the floor: empty
        (10**12, 10**12, 10**12, 1.0),  # no next level (a flat curve's cap): full
    ],
)
def test_the_bar_fills_the_share_of_the_level_done(
    font: str, xp: int, floor: int, next_at: int, share: float
) -> None:
    card = make(xp=xp, floor=floor, next_at=next_at)
    assert progress(card) == pytest.approx(share)
    row = bar_row(decode(render_rank_card(card)))
    filled = sum(1 for pixel in row if pixel == FILL)
    track = sum(1 for pixel in row if pixel == TRACK)
    assert filled + track == len(row), "every pixel of the bar is either filled or track"
    assert filled / len(row) == pytest.approx(share, abs=1 / len(row))
    assert all(pixel == FILL for pixel in row[:filled]), "the filled part starts at the left"


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_hostile_names_render_cut_to_their_box(font: str, name: str) -> None:
    image = decode(render_rank_card(make(name, community=name)))
    assert image.size == (WIDTH, HEIGHT)
    face = card_module._font(36, bold=True)
    shown = fit(name, face, 400)
    assert face.getlength(shown) <= 400
    assert shown and not any(char in shown for char in "\x00\n\u200b\u202e\ud800")
    if face.getlength(clean(name)) > 400:
        assert shown.endswith(ELLIPSIS)
        assert clean(name).startswith(shown.removesuffix(ELLIPSIS))


def test_a_long_name_is_cut_with_an_ellipsis_and_a_short_one_is_not() -> None:
    face = card_module._font(36, bold=True)
    assert fit("Ada", face, 400) == "Ada"
    cut = fit("Ada " + "Lovelace " * 60, face, 400)
    assert cut.startswith("Ada Lovelace") and cut.endswith(ELLIPSIS)
    assert not cut.removesuffix(ELLIPSIS).endswith(" "), "no space before the ellipsis"


def test_cleaning_drops_invisible_characters_and_folds_whitespace() -> None:
    assert clean("  a\u200b\u200db\x00 \n\t c\u202e ") == "ab c"
    assert clean("\u200b\x00") == ""
    assert fit("\u200b\x00", card_module._font(20), 100) == "?"


def test_unranked_members_huge_numbers_and_translated_labels_render(font: str) -> None:
    labels = CardLabels.translated(Translator("ru"))
    for card in (
        make(position=None),
        make(level=10**18, xp=10**30, floor=10**29, next_at=10**31, position=10**15),
        RankCard(
            display_name="Ада",
            level=-1,
            xp=-10,
            level_floor=0,
            next_level_at=0,
            position=0,
            members=0,
            reputation=-3,
            community="",
            labels=labels,
        ),
    ):
        assert decode(render_rank_card(card)).size == (WIDTH, HEIGHT)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.text(st.characters(exclude_categories=()), max_size=600))
def test_any_text_fits_its_box(name: str) -> None:
    face = card_module._font(36, bold=True)
    shown = fit(name, face, 300)
    assert face.getlength(shown) <= 300
    assert shown == "?" or clean(name).startswith(shown.removesuffix(ELLIPSIS))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.text(st.characters(exclude_categories=()), max_size=600))
def test_any_name_renders(name: str) -> None:
    assert decode(render_rank_card(make(name, community=name))).size == (WIDTH, HEIGHT)


def test_labels_and_numbers_follow_the_community_language() -> None:
    russian = CardLabels.translated(Translator("ru"))
    assert (russian.level, russian.rank, russian.language) == ("УРОВЕНЬ", "МЕСТО", "ru")
    assert clean(russian.number(1234567)) == "1 234 567"
    assert CardLabels.translated(Translator("it")).number(1234567) == "1.234.567"
    assert CardLabels().number(1234567) == "1,234,567"


def test_pillow_loads_with_the_first_card_not_with_the_module() -> None:
    code = (
        "import sys\n"
        "import townsquare.core.rewards.card as card\n"
        "print('PIL' in sys.modules)\n"
        "card.render_rank_card(card.RankCard('a', 1, 1, 0, 2, 1, 1, 0, 'c'))\n"
        "print('PIL' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.split() == ["False", "True"]


def test_without_a_system_font_the_card_still_renders_with_one_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A host without DejaVu, Noto or Liberation Sans (a bare container): Pillow's own
    font, said once in the log however many sizes and cards are drawn; and where Pillow's
    scalable default is missing too (no FreeType), its bitmap font."""
    monkeypatch.setattr(card_module, "_FONT_FILES", ("NoSuchFont.ttf",))
    monkeypatch.setattr(card_module, "_BOLD_FONT_FILES", ("NoSuchFont-Bold.ttf",))
    card_module._font.cache_clear()
    card_module._no_system_font.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger=card_module.__name__):
            for _ in range(2):
                image = decode(render_rank_card(make()))
                assert image.size == (WIDTH, HEIGHT)
        (said,) = [r.getMessage() for r in caplog.records if r.name == card_module.__name__]
        assert "\n" not in said and "fonts-dejavu-core" in said, said

        def scalable_missing(size: float | None = None) -> Any:
            if size is not None:
                raise OSError("cannot open resource")
            return original()

        original = ImageFont.load_default
        card_module._font.cache_clear()
        monkeypatch.setattr(ImageFont, "load_default", scalable_missing)
        assert decode(render_rank_card(make())).size == (WIDTH, HEIGHT)
    finally:
        card_module._font.cache_clear()
        card_module._no_system_font.cache_clear()
