"""Reading request bodies so that no input can become a server error.

aiohttp's `request.json()` / `request.post()` raise on what attackers send: deep nesting
(RecursionError), integers of thousands of digits (ValueError), an unknown charset
(LookupError), undecodable bytes, broken multipart. Here each of those is a 400, strings
are made storable (core.text), and file fields in forms are refused.
"""
from __future__ import annotations

import codecs
import json

from aiohttp import web
from multidict import MultiDict

from core.text import storable, storable_tree


class BadInput(web.HTTPBadRequest):
    """A 400 with a JSON body saying what was wrong."""

    def __init__(self, reason: str):
        super().__init__(text=json.dumps({"error": reason}), content_type="application/json")


def _charset(request: web.Request) -> str:
    charset = request.charset or "utf-8"
    try:
        codecs.lookup(charset)
    except LookupError:
        raise BadInput(f"unknown charset {charset[:40]!r}") from None
    return charset


async def read_json(request: web.Request) -> object:
    """The parsed JSON body, every string storable; BadInput (400) for anything unparsable."""
    charset = _charset(request)
    raw = await request.read()
    try:
        text = raw.decode(charset)
        return storable_tree(json.loads(text))
    except (ValueError, UnicodeDecodeError, RecursionError):
        # ValueError covers JSONDecodeError and integers over sys.get_int_max_str_digits().
        raise BadInput("the body must be valid JSON") from None


async def read_form(request: web.Request) -> MultiDict[str]:
    """The form (urlencoded or multipart) as storable strings; BadInput (400) if malformed or
    if it carries files — no endpoint takes uploads."""
    _charset(request)
    try:
        form = await request.post()
    except (ValueError, UnicodeDecodeError, LookupError, AssertionError, RecursionError, KeyError):
        raise BadInput("malformed form body") from None
    cleaned: MultiDict[str] = MultiDict()
    for name, value in form.items():
        if not isinstance(value, str):
            raise BadInput("file uploads are not accepted")
        cleaned.add(storable(name), storable(value))
    return cleaned


def query(request: web.Request, name: str, default: str = "") -> str:
    """A query parameter, storable."""
    return storable(request.query.get(name, default))
