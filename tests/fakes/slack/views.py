"""What the fake Slack checks of a modal (``views.open``) and reads of an uploaded file."""

from __future__ import annotations

import mimetypes
from typing import Any

from tests.fakes.images import picture_size


def file_type(filename: str, data: bytes) -> dict[str, Any]:
    """What Slack reads of an upload: ``mimetype`` and ``filetype`` from the name, and for
    a picture it decodes (shown inline, with thumbnails) ``original_w``/``original_h``."""
    mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    found: dict[str, Any] = {
        "mimetype": mimetype,
        "filetype": filename.rsplit(".", 1)[-1].lower() if "." in filename else "binary",
    }
    size = picture_size(data) if mimetype.startswith("image/") else None
    if size is not None:
        found["original_w"], found["original_h"] = size
    return found


def _plain_text(value: Any, limit: int) -> bool:
    return (
        isinstance(value, dict)
        and value.get("type") == "plain_text"
        and 1 <= len(str(value.get("text") or "")) <= limit
    )


def modal_problem(view: Any) -> str | None:
    """Slack's answer to a modal it refuses (``invalid_arguments`` with the reason), or
    None. Covers the modal fields and ``input`` blocks holding a ``plain_text_input``."""
    if not isinstance(view, dict) or view.get("type") != "modal":
        return "invalid_arguments: view.type must be modal"
    if not _plain_text(view.get("title"), 24):
        return "invalid_arguments: title: plain_text, 1 to 24 characters"
    blocks = view.get("blocks") or []
    if not 1 <= len(blocks) <= 100:
        return "invalid_arguments: 1 to 100 blocks"
    has_input = any(block.get("type") == "input" for block in blocks)
    if (has_input or "submit" in view) and not _plain_text(view.get("submit"), 24):
        return "invalid_arguments: submit: plain_text, 1 to 24 characters"
    if "close" in view and not _plain_text(view.get("close"), 24):
        return "invalid_arguments: close: plain_text, 1 to 24 characters"
    if len(str(view.get("private_metadata") or "")) > 3000:
        return "invalid_arguments: private_metadata: at most 3000 characters"
    if len(str(view.get("callback_id") or "")) > 255:
        return "invalid_arguments: callback_id: at most 255 characters"
    for block in blocks:
        if block.get("type") != "input":
            continue
        if not _plain_text(block.get("label"), 2000):
            return "invalid_arguments: input label: plain_text, 1 to 2000 characters"
        element = block.get("element") or {}
        if element.get("type") != "plain_text_input":
            return "invalid_arguments: the fake knows plain_text_input elements only"
        if not 1 <= len(str(element.get("action_id") or "")) <= 255:
            return "invalid_arguments: action_id: 1 to 255 characters"
        low, high = element.get("min_length", 0), element.get("max_length", 3000)
        if not (0 <= low <= 3000 and 1 <= high <= 3000 and low <= high):
            return "invalid_arguments: min_length 0-3000, max_length 1-3000, min <= max"
        if "placeholder" in element and not _plain_text(element["placeholder"], 150):
            return "invalid_arguments: placeholder: plain_text, 1 to 150 characters"
    return None
