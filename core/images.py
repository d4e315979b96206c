"""Pictures among files: a :class:`~core.actions.SendFile` whose ``mime_type`` is an image
the platforms show inline (a rank card), and a file name they recognise it by.

Discord and Slack decide how to show an upload from its name (and bytes): ``card`` is a
download, ``card.png`` a picture. Telegram shows PNG, JPEG and WebP as photos
(``sendPhoto``); a GIF would lose its animation there, so it stays a document.
"""

from __future__ import annotations

EXTENSIONS = {
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
}
"""Images every platform shows inline, with the name endings that say so."""
PHOTOS = frozenset({"image/png", "image/jpeg", "image/webp"})
"""What Telegram takes as a photo."""


def media_type(mime_type: str) -> str:
    """``image/png`` of ``Image/PNG; charset=binary``."""
    return mime_type.split(";", 1)[0].strip().lower()


def is_inline_image(mime_type: str) -> bool:
    return media_type(mime_type) in EXTENSIONS


def is_photo(mime_type: str) -> bool:
    return media_type(mime_type) in PHOTOS


def shown_name(filename: str, mime_type: str) -> str:
    """``filename``, with the image's extension added when it lacks one (``card`` ->
    ``card.png``), so a platform that judges by the name shows the picture."""
    endings = EXTENSIONS.get(media_type(mime_type))
    if endings is None or filename.lower().endswith(endings):
        return filename
    return filename + endings[0]
