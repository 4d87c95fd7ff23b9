"""Arrow's text arrays seen as numpy arrays, to ask a question of every value at once.

A string array is int32 offsets into one buffer of UTF-8 bytes: value i is the bytes between
offsets i and i + 1 (of the array's slice).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def offsets_and_bytes(chunk: pa.StringArray) -> tuple[np.ndarray, np.ndarray]:
    """The chunk's value offsets (one more than its values) and the bytes they index, without a copy."""
    _, offsets_buffer, text_buffer = chunk.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int32)[chunk.offset : chunk.offset + len(chunk) + 1]
    text = np.frombuffer(text_buffer, dtype=np.uint8) if text_buffer is not None else np.empty(0, dtype=np.uint8)
    return offsets, text
