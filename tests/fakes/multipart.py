"""A strict multipart/form-data reader for the fakes: the parts exactly as sent."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser


@dataclass(frozen=True)
class Part:
    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = None

    def text(self) -> str:
        return self.data.decode("utf-8")


class MalformedMultipart(ValueError):
    pass


def parse(content_type: str, body: bytes) -> list[Part]:
    """The parts of a ``multipart/form-data`` body (RFC 7578), bytes untouched.

    ``content_type`` is the whole header with its ``boundary`` parameter."""
    header = Message()
    header["Content-Type"] = content_type
    boundary = header.get_param("boundary")
    if header.get_content_type() != "multipart/form-data" or not isinstance(boundary, str):
        raise MalformedMultipart(f"not multipart/form-data with a boundary: {content_type!r}")
    delimiter = b"\r\n--" + boundary.encode()
    sections = (b"\r\n" + body).split(delimiter)
    if len(sections) < 3 or not sections[-1].startswith(b"--"):
        raise MalformedMultipart("no closing boundary")
    parts: list[Part] = []
    for section in sections[1:-1]:
        if not section.startswith(b"\r\n"):
            raise MalformedMultipart("boundary not followed by a line end")
        head, separator, data = section[2:].partition(b"\r\n\r\n")
        if not separator:
            raise MalformedMultipart("part without a blank line after its headers")
        headers = HeaderParser().parsestr(head.decode("utf-8"))
        if headers.get_content_disposition() != "form-data":
            raise MalformedMultipart("part without Content-Disposition: form-data")
        name = headers.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            raise MalformedMultipart("part without a name")
        parts.append(Part(name, data, headers.get_filename(), headers.get("Content-Type")))
    return parts
