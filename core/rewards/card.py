"""The rank card: a member's level, XP, progress, position and reputation as a PNG.

Pure: :func:`render_rank_card` turns a :class:`RankCard` into PNG bytes and touches
nothing else. It is CPU work of a few milliseconds; a caller on the event loop may hand it
to a thread. The text comes from members (display names, community titles), so it is
cleaned before drawing: control, format (zero-width, bidirectional overrides), private-use
and unassigned characters are dropped, any run of whitespace becomes one space, and what
does not fit its box is cut with an ellipsis, measured in pixels, never wrapped.

Pillow is imported on the first card drawn, not when the feature loads (start-up time and
memory). No font file ships with the project. The card uses a system font with wide
coverage when the host has one (DejaVu Sans, Noto Sans, Liberation Sans; the Docker image
installs ``fonts-dejavu-core``) and otherwise Pillow's built-in font
(``ImageFont.load_default(size)``, Latin letters only: other scripts show as boxes there,
but still render; Pillow's bitmap font where it has no FreeType), with one warning in the
log. Right-to-left names are laid out by Pillow's text layout
(libraqm where the build has it).
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field, replace
from functools import cache
from io import BytesIO
from typing import TYPE_CHECKING, TypeAlias

from babel.numbers import get_group_symbol

from townsquare.core.i18n import Translator, _

if TYPE_CHECKING:
    from PIL import Image, ImageFont

log = logging.getLogger(__name__)

WIDTH = 800
HEIGHT = 240
BAR_BOX = (40, 180, 760, 208)
"""The progress bar's left, top, right and bottom edges (right and bottom exclusive)."""

BACKGROUND = (35, 39, 42)
PANEL = (47, 51, 56)
TRACK = (72, 77, 84)
FILL = (88, 166, 255)
TEXT = (240, 240, 240)
MUTED = (160, 166, 173)
ACCENT = (88, 166, 255)

MAX_TEXT_CHARS = 200
"""Characters kept of any text before it is measured: no box on the card fits more."""
ELLIPSIS = "…"
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cn", "Cs"})
_FONT_FILES = ("DejaVuSans.ttf", "NotoSans-Regular.ttf", "LiberationSans-Regular.ttf")
_BOLD_FONT_FILES = ("DejaVuSans-Bold.ttf", "NotoSans-Bold.ttf", "LiberationSans-Bold.ttf")

Font: TypeAlias = "ImageFont.FreeTypeFont | ImageFont.ImageFont"


@dataclass(frozen=True, slots=True)
class CardLabels:
    """The words on the card and the language its numbers are written in; English by
    default, :meth:`translated` for a community's language."""

    level: str = _("LEVEL")
    rank: str = _("RANK")
    reputation: str = _("Reputation")
    xp: str = _("XP")
    unranked: str = _("unranked")
    language: str = "en"

    @classmethod
    def translated(cls, tr: Translator) -> CardLabels:
        """The labels in ``tr``'s language (``ctx.tr``)."""
        english = cls()
        return replace(
            english,
            level=tr(english.level),
            rank=tr(english.rank),
            reputation=tr(english.reputation),
            xp=tr(english.xp),
            unranked=tr(english.unranked),
            language=tr.language,
        )

    def number(self, value: int) -> str:
        """``value`` with this language's digit grouping (1,234 / 1.234 / 1 234)."""
        return f"{value:,}".replace(",", get_group_symbol(self.language))


@dataclass(frozen=True, slots=True)
class RankCard:
    """What the card shows. ``level_floor`` is the XP at which the current level began and
    ``next_level_at`` the XP of the next one: the bar fills ``(xp - level_floor) /
    (next_level_at - level_floor)``, clamped to 0–1 (full when there is no next level).
    ``position`` is 1-based on the leaderboard of ``members``, or ``None`` if unranked."""

    display_name: str
    level: int
    xp: int
    level_floor: int
    next_level_at: int
    position: int | None
    members: int
    reputation: int
    community: str
    labels: CardLabels = field(default_factory=CardLabels)


def progress(card: RankCard) -> float:
    """The share of the current level done, 0.0 to 1.0."""
    span = card.next_level_at - card.level_floor
    if span <= 0:
        return 1.0
    return min(1.0, max(0.0, (card.xp - card.level_floor) / span))


def filled_width(card: RankCard) -> int:
    """How many pixel columns of the bar are filled."""
    left, _top, right, _bottom = BAR_BOX
    return round(progress(card) * (right - left))


def clean(text: str) -> str:
    """``text`` as the card may draw it: one line, no invisible or control characters."""
    kept: list[str] = []
    space = False
    for char in text[: MAX_TEXT_CHARS * 4]:
        category = unicodedata.category(char)
        if char.isspace() or category in ("Zs", "Zl", "Zp"):
            space = bool(kept)
            continue
        if category in _DROPPED_CATEGORIES:
            continue
        if space:
            kept.append(" ")
            space = False
        kept.append(char)
        if len(kept) >= MAX_TEXT_CHARS:
            break
    return "".join(kept)


def fit(text: str, font: Font, width: float) -> str:
    """The longest prefix of cleaned ``text`` that fits ``width`` pixels, with an ellipsis
    when cut; an empty text (all of it invisible) becomes ``"?"``."""
    text = clean(text) or "?"
    if font.getlength(text) <= width:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if font.getlength(text[:middle].rstrip() + ELLIPSIS) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS


def render_rank_card(card: RankCard) -> bytes:
    """The card as PNG bytes, :data:`WIDTH` by :data:`HEIGHT` pixels."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((12, 12, WIDTH - 13, HEIGHT - 13), radius=18, fill=PANEL)
    labels = card.labels
    number = labels.number
    right = BAR_BOX[2]

    level_font = _font(44, bold=True)
    level = fit(number(card.level), level_font, 200)
    level_left = right - level_font.getlength(level)
    draw.text((level_left, 28), level, font=level_font, fill=ACCENT)
    label_font = _font(22)
    label = fit(labels.level, label_font, 290 - (right - level_left))
    label_left = level_left - 10 - label_font.getlength(label)
    draw.text((label_left, 48), label, font=label_font, fill=MUTED)

    rank_font = _font(22)
    rank = (
        f"{labels.rank} #{number(card.position)} / {number(card.members)}"
        if card.position is not None
        else f"{labels.rank}: {labels.unranked}"
    )
    rank = fit(rank, rank_font, 260)
    draw.text((right - rank_font.getlength(rank), 90), rank, font=rank_font, fill=MUTED)

    name_width = right - BAR_BOX[0] - 290
    name_font = _font(36, bold=True)
    draw.text((40, 34), fit(card.display_name, name_font, name_width), font=name_font, fill=TEXT)
    small = _font(20)
    draw.text((40, 86), fit(card.community, small, name_width), font=small, fill=MUTED)

    reputation = fit(f"{labels.reputation}: {number(card.reputation)}", small, 330)
    draw.text((40, 146), reputation, font=small, fill=TEXT)
    xp = fit(f"{number(card.xp)} / {number(card.next_level_at)} {labels.xp}", small, 360)
    draw.text((right - small.getlength(xp), 146), xp, font=small, fill=TEXT)

    _draw_bar(image, filled_width(card))
    out = BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _draw_bar(image: Image.Image, filled: int) -> None:
    """The track, then the filled share: the bar's rounded shape cut at ``filled``
    columns, so a short share keeps the rounded left end."""
    from PIL import Image, ImageDraw

    left, top, right, bottom = BAR_BOX
    size = (right - left, bottom - top)
    shape = Image.new("L", size, 0)
    ImageDraw.Draw(shape).rounded_rectangle(
        (0, 0, size[0] - 1, size[1] - 1), radius=size[1] // 2, fill=255
    )
    image.paste(TRACK, (left, top, right, bottom), shape)
    if filled > 0:
        part = shape.crop((0, 0, filled, size[1]))
        image.paste(FILL, (left, top, left + filled, bottom), part)


@cache
def _font(size: int, *, bold: bool = False) -> Font:
    """A system font of ``size`` pixels if the host has one (bold if asked and there is
    one), else Pillow's own."""
    from PIL import ImageFont

    for name in (*_BOLD_FONT_FILES, *_FONT_FILES) if bold else _FONT_FILES:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    _no_system_font()
    try:
        return ImageFont.load_default(size)
    except (OSError, ImportError, TypeError):  # a Pillow without FreeType: its bitmap font
        return ImageFont.load_default()


@cache
def _no_system_font() -> None:
    """Said once per process."""
    log.warning(
        "rank card: none of %s found, drawing with Pillow's built-in font (Latin letters "
        "only); install fonts-dejavu-core",
        ", ".join(_FONT_FILES),
    )
