"""Stage 1 — read: bytes on disk → numbered lines, with the file's checksum for provenance."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from etl.errors import ReportError


@dataclass(frozen=True)
class SourceDocument:
    """One report file, decoded. ``lines[0]`` is line 1."""

    path: Path
    sha256: str
    lines: tuple[str, ...]

    def line(self, number: int) -> str:
        return self.lines[number - 1]


def read_report(path: Path | str) -> SourceDocument:
    """Decode strictly as UTF-8: a file in another encoding fails on the line of its first bad byte."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReportError(path, None, f"cannot read the file: {exc.strerror}") from exc
    if not data.strip():
        raise ReportError(path, 1, "the file is empty: expected a report table title")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ReportError(
            path, line, f"not UTF-8 (byte 0x{data[exc.start]:02x}): the report must be a UTF-8 text export"
        ) from exc
    lines = tuple(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return SourceDocument(path=path, sha256=hashlib.sha256(data).hexdigest(), lines=lines)
