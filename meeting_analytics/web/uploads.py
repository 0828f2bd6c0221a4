"""Multipart uploads streamed straight to disk, with a size limit, hashed on the way.

The file part goes to a file the server names; the client's file name is kept only as text (for
titles, escaped wherever shown). Beyond ``limit`` bytes the upload stops with ``UploadTooLarge``
and the partial file is removed; small form fields are held in memory (64 KiB each, 64 fields). The file
is created private (0600) and only once the body's boundary is known to be valid; a body cut short (no
final boundary) is refused, the partial file removed.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterator, BinaryIO

from ..errors import UploadError, UploadTooLarge

FIELD_LIMIT = 64 * 1024
MAX_FIELDS = 64


@dataclass
class Upload:
    filename: str = ""              # as the client sent it: display text only
    size: int = 0
    sha256: str = ""
    fields: dict[str, str] = field(default_factory=dict)


def display_name(filename: str) -> str:
    """The client's name without any directory part or control characters (``../../x.wav`` -> ``x.wav``)."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    return name[:200] or "recording"


def safe_stem(name: str) -> str:
    """A download file name's stem: letters, digits, ``._-`` only."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).stem).strip("._")
    return stem[:80] or "recording"


async def receive(content_type: str, chunks: AsyncIterator[bytes], target: Path, limit: int) -> Upload:
    """Parse a ``multipart/form-data`` body: the ``file`` field into ``target``, the rest into ``fields``."""
    from python_multipart.multipart import MultipartParser, MultipartState, parse_options_header

    kind, params = parse_options_header(content_type or "")
    if kind != b"multipart/form-data" or not params.get(b"boundary"):
        raise UploadError("expected multipart/form-data with a 'file' field")
    upload, digest = Upload(), hashlib.sha256()
    part: dict = {}
    seen_file = False
    out: BinaryIO | None = None

    def on_part_begin():
        part.clear()
        part.update(headers={}, field=b"", value=b"", name=None, data=bytearray())

    def on_header_field(data, start, end):
        part["field"] += data[start:end]

    def on_header_value(data, start, end):
        part["value"] += data[start:end]

    def on_header_end():
        part["headers"][part["field"].lower()] = part["value"]
        part["field"] = part["value"] = b""

    def on_headers_finished():
        nonlocal seen_file
        _, disposition = parse_options_header(part["headers"].get(b"content-disposition", b""))
        part["name"] = disposition.get(b"name", b"").decode("utf-8", "replace")
        if part["name"] == "file":
            if seen_file:
                raise UploadError("more than one 'file' field")
            seen_file = True
            upload.filename = disposition.get(b"filename", b"").decode("utf-8", "replace")
        elif len(upload.fields) >= MAX_FIELDS:
            raise UploadError(f"more than {MAX_FIELDS} form fields")

    def on_part_data(data, start, end):
        chunk = data[start:end]
        if part["name"] == "file":
            upload.size += len(chunk)
            if upload.size > limit:
                raise UploadTooLarge(f"upload larger than the limit of {limit / 2**20:.0f} MiB")
            digest.update(chunk)
            assert out is not None, "opened before the first byte is parsed"
            out.write(chunk)
        else:
            part["data"] += chunk
            if len(part["data"]) > FIELD_LIMIT:
                raise UploadError(f"form field {part['name']!r} is longer than {FIELD_LIMIT} bytes")

    def on_part_end():
        if part["name"] and part["name"] != "file":
            upload.fields[part["name"]] = part["data"].decode("utf-8", "replace")

    try:
        parser = MultipartParser(params[b"boundary"], {
            "on_part_begin": on_part_begin, "on_header_field": on_header_field, "on_header_value": on_header_value,
            "on_header_end": on_header_end, "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data, "on_part_end": on_part_end})
        # the server's own name, created here (never an existing file or link) and private from the first byte
        out = os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600),
                        "wb")
        async for chunk in chunks:
            parser.write(chunk)
        parser.finalize()
        if parser.state != MultipartState.END:
            raise UploadError("malformed multipart body (no final boundary: the upload was cut short)")
        if not seen_file:
            raise UploadError("no 'file' field in the form")
        out.close()
    except BaseException as exc:
        if out is not None:
            out.close()
            target.unlink(missing_ok=True)
        if isinstance(exc, UploadError) or not isinstance(exc, Exception):
            raise
        said = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UploadError(f"malformed multipart body ({said})") from None
    upload.sha256 = digest.hexdigest()
    return upload
