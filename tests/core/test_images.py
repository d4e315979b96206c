"""Which files are pictures, and the name that makes a platform show one inline."""

from __future__ import annotations

import pytest

from townsquare.core.images import is_inline_image, is_photo, shown_name


@pytest.mark.parametrize(
    ("filename", "mime_type", "shown"),
    [
        ("card", "image/png", "card.png"),
        ("card.png", "image/png", "card.png"),
        ("CARD.PNG", "image/png", "CARD.PNG"),
        ("photo.jpeg", "image/jpeg", "photo.jpeg"),
        ("photo", "Image/JPEG; charset=binary", "photo.jpg"),
        ("anim", "image/gif", "anim.gif"),
        ("card.txt", "image/webp", "card.txt.webp"),
        ("votes.csv", "text/csv", "votes.csv"),
        ("logo", "image/svg+xml", "logo"),  # not shown inline everywhere: left alone
        ("blob", "application/octet-stream", "blob"),
    ],
)
def test_a_picture_is_named_as_the_image_it_is(filename: str, mime_type: str, shown: str) -> None:
    assert shown_name(filename, mime_type) == shown


def test_telegram_photos_are_the_still_pictures() -> None:
    assert all(is_photo(t) for t in ("image/png", "image/jpeg", "image/webp", "IMAGE/PNG"))
    assert not any(is_photo(t) for t in ("image/gif", "image/svg+xml", "text/csv", ""))
    assert is_inline_image("image/gif") and not is_inline_image("image/svg+xml")
