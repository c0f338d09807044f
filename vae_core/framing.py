"""One binary framing for our payloads and files: [magic][u32 header length][JSON header][parts], little-endian.

The JSON header is padded with spaces so the parts start on a 4-byte boundary (a reader's Float32Array or
np.frombuffer views need it). The browser's reader is `splitPayload` in ui/payload.js.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable

import numpy as np


def frame(header: dict, parts: Iterable[bytes | np.ndarray], magic: bytes = b"") -> bytes:
    """The bytes of `header` (JSON) followed by `parts` (bytes, or arrays written in their own dtype)."""
    head = json.dumps(header).encode()
    head += b" " * (-(len(magic) + 4 + len(head)) % 4)
    body = [part if isinstance(part, bytes) else np.ascontiguousarray(part).tobytes() for part in parts]
    return b"".join([magic, struct.pack("<I", len(head)), head, *body])


def unframe(data: bytes, magic: bytes = b"") -> tuple[dict, int]:
    """(header, offset of the first part) of framed bytes.

    Raises:
        ValueError: the magic differs, the header runs past the end, or it is not a JSON object.
    """
    start = len(magic) + 4
    if len(data) < start or data[:len(magic)] != magic:
        raise ValueError("not a framed file of ours" if not magic else f"not a {magic.decode(errors='replace')} file")
    (length,) = struct.unpack("<I", data[len(magic):start])
    if start + length > len(data):
        raise ValueError("the header runs past the end of the data")
    try:
        header = json.loads(data[start:start + length])
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError("the header is not JSON") from exc
    if not isinstance(header, dict):
        raise ValueError("the header is not a JSON object")
    return header, start + length
