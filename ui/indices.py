"""Index lists typed by a visitor ("0-9, 17"): their size is checked before any list is built."""

from __future__ import annotations

MAX_TEXT = 400  # characters: 50 indices of five digits with separators fit in well under this


def parse_indices(text: str, count: int, limit: int = 50) -> list[int]:
    """'0-9, 17' -> [0, 1, ..., 9, 17]: at most `limit` indices, each from 0 to count - 1.

    Every part is checked (digits only, in range) and the running total compared with `limit` before any index
    is produced, so `0-99999999,...` costs a few microseconds, not gigabytes.

    Raises:
        ValueError: malformed, empty, out of range or more than `limit` indices.
    """
    if len(text) > MAX_TEXT:
        raise ValueError(f"longer than {MAX_TEXT} characters")
    parts = [p for p in "".join(text.split()).split(",") if p]
    if not parts or len(parts) > limit:
        raise ValueError("no indices" if not parts else f"more than {limit} parts")
    spans, total = [], 0
    for part in parts:
        lo, dash, hi = part.partition("-")
        if not lo.isdigit() or (dash and not hi.isdigit()):
            raise ValueError(f"not an index or a range: {part[:20]!r}")
        start, stop = int(lo), int(hi) if dash else int(lo)
        if stop < start or stop >= count:
            raise ValueError(f"out of range: {part[:20]!r}")
        total += stop - start + 1
        if total > limit:
            raise ValueError(f"more than {limit} indices")
        spans.append((start, stop))
    return [i for start, stop in spans for i in range(start, stop + 1)]
