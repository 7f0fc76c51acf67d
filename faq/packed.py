"""The FAQ's cache files: a magic line, a JSON header, then raw sections (byte strings and
little-endian arrays), read straight into `array`s.

Loading such a file runs no code (no pickle) and needs no numpy; each array is read from the
file into its final place, so loading holds nothing twice. The classifier's model
(faq/classifier.py) and the matcher's index (faq/index_file.py) are stored this way.
"""
from __future__ import annotations

import json
import os
import sys
from array import array
from pathlib import Path
from typing import Iterator, Sequence

# Section layout: None for a byte string, else the array's typecode, or the typecodes it
# may have ("HI": 16-bit numbers while they fit, else 32-bit), the file saying which.
Layout = Sequence["str | None"]


def native(values: array) -> array:
    """`values` read from little-endian bytes (as the files hold them and numpy's "<f4" writes
    them), in this machine's byte order: swapped in place on a big-endian one."""
    if sys.byteorder != "little":
        values.byteswap()
    return values


def from_bytes(typecode: str, data: bytes) -> array:
    values = array(typecode)
    values.frombytes(data)
    return native(values)


def blob(items: Sequence[str]) -> bytes:
    # The FAQ's terms never contain a newline: the normaliser splits on every non-word character.
    return "\n".join(items).encode("utf-8")


def iter_terms(data: bytes) -> Iterator[str]:
    """The strings of a blob one at a time: a caller that only hashes or filters them never
    holds tens of thousands of small strings at once (loading needs less memory at its peak)."""
    text = data.decode("utf-8")
    if not text:
        return
    start = 0
    while True:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end]
        start = end + 1


def write(path: Path, magic: bytes, header: dict, sections: Sequence[bytes | array]) -> None:
    """Write atomically (a reader never sees half a file); `header` gains the section sizes."""
    raw = []
    for section in sections:
        if isinstance(section, array) and sys.byteorder != "little":
            section = native(array(section.typecode, section))  # a swapped copy
        raw.append(section if isinstance(section, bytes) else section.tobytes())
    types = [section.typecode if isinstance(section, array) else None for section in sections]
    head = json.dumps({**header, "sizes": [len(s) for s in raw], "types": types}, ensure_ascii=False).encode("utf-8")
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as out:
        out.write(magic + head + b"\n")
        for section in raw:
            out.write(section)
    os.replace(tmp, path)


def read(path: Path, magic: bytes, layout: Layout) -> tuple[dict, list]:
    """The header and the sections of a file written by `write` with this layout. A file of
    another kind, a truncated one or one of another layout raises ValueError."""
    with open(path, "rb") as source:
        if source.read(len(magic)) != magic:
            raise ValueError(f"{path} is not a {magic.decode().strip()} file")
        header = json.loads(source.readline(50_000_000))
        if not isinstance(header, dict):
            raise ValueError(f"{path} has no header")
        sizes = header.get("sizes")
        size_left = os.fstat(source.fileno()).st_size - source.tell()
        if (not isinstance(sizes, list) or len(sizes) != len(layout)
                or not all(isinstance(size, int) and size >= 0 for size in sizes) or sum(sizes) != size_left):
            raise ValueError(f"{path} is truncated or has the wrong layout")
        types = header.get("types")
        if not isinstance(types, list) or len(types) != len(layout) or not all(
                (typecode is None and allowed is None) or (allowed and typecode and typecode in allowed)
                for typecode, allowed in zip(types, layout)):
            raise ValueError(f"{path} has the wrong layout")
        sections: list = []
        for typecode, size in zip(types, sizes):
            if typecode is None:
                sections.append(source.read(size))
                continue
            itemsize = array(typecode).itemsize
            if size % itemsize:
                raise ValueError(f"{path}: a section is not a whole number of items")
            # Read into the array's own buffer: `fromfile` reads a bytes copy first, and the
            # largest section (the classifier's weights) would be held twice.
            values = array(typecode, bytes(itemsize)) * (size // itemsize) if size else array(typecode)
            if size and source.readinto(memoryview(values).cast("B")) != size:
                raise ValueError(f"{path} is truncated")
            sections.append(native(values))
    return header, sections
