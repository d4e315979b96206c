"""Pictures for the fakes and their tests: what a platform reads of an uploaded image
(decoded with Pillow, as the platforms decode uploads), and small pictures to send."""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError


def picture_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, JPEG, GIF or WebP image, or None for anything else."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a decompression-bomb warning is a refusal too
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in ("PNG", "JPEG", "GIF", "WEBP"):
                    return None
                image.verify()
                return image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None


def png(width: int = 64, height: int = 32) -> bytes:
    """A PNG of one colour, ``width`` by ``height``."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(out, format="PNG")
    return out.getvalue()
