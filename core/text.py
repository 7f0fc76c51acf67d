"""Text from outside made safe to store: no NUL characters, no lone surrogates.

PostgreSQL refuses NUL in text, and a lone surrogate (JSON's "\\ud800") cannot be encoded
as UTF-8 by either database driver: left in, each turns a message into a server error.
"""
from __future__ import annotations

import re

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """`text` without NUL, lone surrogates replaced by U+FFFD."""
    if not _UNSTORABLE.search(text):
        return text
    return _UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)


def storable_tree(value: object) -> object:
    """Every string in parsed JSON made storable (keys too); iterative, so depth is no risk."""
    if isinstance(value, str):
        return storable(value)
    if not isinstance(value, (dict, list)):
        return value
    root: list = [value]
    stack: list[tuple[object, object, object]] = [(root, 0, value)]
    while stack:
        parent, key, node = stack.pop()
        if isinstance(node, dict):
            cleaned = {}
            for name, item in node.items():
                cleaned[storable(name) if isinstance(name, str) else name] = item
            parent[key] = cleaned
            for name, item in cleaned.items():
                if isinstance(item, (dict, list, str)):
                    stack.append((cleaned, name, item))
        elif isinstance(node, list):
            for index, item in enumerate(node):
                if isinstance(item, (dict, list, str)):
                    stack.append((node, index, item))
        else:
            parent[key] = storable(node)
    return root[0]
