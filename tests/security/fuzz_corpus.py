"""A generated corpus of malformed requests for every route of the running bot.

Each case is (method, path, headers, body). Bodies and values are the shapes that broke
the server in the attack of issue 14, crossed with every route and field: deep JSON,
integers of 5,000 digits, unknown charsets, lone surrogates, NUL bytes, broken multipart,
file fields, ids over 2**63, inf/nan, dates at year 1 and 9999, overlong strings.
"""
from __future__ import annotations

import json
import random

NASTY_VALUES = [
    "", " ", "\x00", "a\x00b", "\ud800", "x\udfffy", "9" * 5000, "-1", "0", "1e309", "inf", "-inf", "nan",
    "NaN", "9223372036854775808", "18446744073709551616", "99999999999999999999999", "0001-01-01",
    "9999-12-31", "10000-01-01", "2026-02-30", "0000-00-00", "../../etc/passwd", "<script>alert(1)</script>",
    "' OR 1=1 --", "%", "_", "%00", "\u202e", "😀" * 300, "я" * 70000, "ZP-99999999999999999999",
    "[" * 50, "{}", "null", "true", "\r\n\r\n", "\t", "١٢٣", "１２３４５６",
]

DEEP_JSON = b"[" * 100_000
HUGE_INT_JSON = b'{"sender": "a", "message": ' + b"9" * 5000 + b"}"


def _sample(rng: random.Random, per_field: int) -> list[str]:
    return rng.sample(NASTY_VALUES, min(per_field, len(NASTY_VALUES)))


def json_bodies(fields: list[str], rng: random.Random, per_field: int,
                base: dict | None = None) -> list[tuple[dict, bytes]]:
    """(headers, body) pairs of malformed or hostile JSON for an endpoint with `fields`."""
    plain = {"Content-Type": "application/json"}
    bodies: list[tuple[dict, bytes]] = [
        (plain, DEEP_JSON), (plain, b"{" * 5000), (plain, HUGE_INT_JSON), (plain, b"\xff\xfe\x00"),
        (plain, b""), (plain, b"null"), (plain, b"[]"), (plain, b'"text"'), (plain, b"1e999999"),
        (plain, b'{"a": NaN}'), (plain, b'{"a": Infinity}'),
        ({"Content-Type": "application/json; charset=klingon"}, b'{"sender": "a", "message": "b"}'),
        ({"Content-Type": "application/json; charset=utf-16"}, b'{"sender": "a"}'),
        ({"Content-Type": "text/plain"}, b"hello"),
        (plain, '{"sender": "\\ud800", "message": "\\udfff"}'.encode()),
        (plain, b'{"sender": "a\\u0000b", "message": "c\\u0000d"}'),
    ]
    for field in fields:
        for value in _sample(rng, per_field):
            fill = base or {f: value for f in fields}
            bodies.append((plain, json.dumps(fill | {field: value}).encode()))
        for value in (2 ** 64, -(2 ** 63) - 1, 1e308, [], {}, None, True, [1] * 3, {"a": {"b": 1}}):
            bodies.append((plain, json.dumps((base or {}) | {field: value}).encode()))
    return bodies


def form_bodies(fields: dict[str, str], csrf: str | None, rng: random.Random,
                per_field: int) -> list[tuple[dict, bytes]]:
    """(headers, body) pairs of malformed or hostile forms (urlencoded and multipart)."""
    from urllib.parse import urlencode

    form = {"Content-Type": "application/x-www-form-urlencoded"}
    base = dict(fields)
    if csrf is not None:
        base["csrf_token"] = csrf
    bodies: list[tuple[dict, bytes]] = [
        ({"Content-Type": "multipart/form-data; boundary=xyz"}, b"--xyz\r\nContent-Disposition: form-data\r\n\r\nbroken"),
        ({"Content-Type": "multipart/form-data"}, b"no boundary at all"),
        ({"Content-Type": "multipart/form-data; boundary=xyz"}, b"--xyz--\r\n"),
        ({"Content-Type": "multipart/form-data; boundary=xyz"},
         b'--xyz\r\nContent-Disposition: form-data; name="Body"; filename="a.txt"\r\n'
         b"Content-Type: text/plain\r\n\r\nfile body\r\n--xyz\r\n"
         b'Content-Disposition: form-data; name="From"; filename="b.txt"\r\n\r\nwhatsapp:+7701\r\n--xyz--\r\n'),
        ({"Content-Type": "application/x-www-form-urlencoded; charset=klingon"}, b"a=b"),
        (form, b"%zz=%zz&&&=="), (form, b"a=" + b"\xff" * 10), (form, b""), (form, b"a=%00&b=%ED%A0%80"),
    ]
    for field in fields:
        for value in _sample(rng, per_field):
            bodies.append((form, urlencode(base | {field: value}, encoding="utf-8", errors="surrogatepass").encode()))
    return bodies


def route_paths(template: str) -> list[str]:
    """Concrete paths for a route template: real-looking ids and hostile ones."""
    if "{" not in template:
        return [template]
    paths = []
    for value in ("1", "0", "9223372036854775807", "9223372036854775808", "99999999999999999999999999",
                  "-1", "abc", "%00", "1%00", "%ED%A0%80", "kk", "..", "x" * 300):
        path = template
        while "{" in path:
            start, end = path.index("{"), path.index("}")
            path = path[:start] + value + path[end + 1:]
        paths.append(path)
    return paths


def query_strings() -> list[str]:
    values = ["status=x", "after=99999999999999999999999", "after=-1", "after=nan", "timeout=inf",
              "timeout=-inf", "timeout=nan", "timeout=1e309", "q=%00", "q=%ED%A0%80", "q=" + "a" * 5000,
              "from=0001-01-01&to=9999-12-31", "from=9999-12-31&to=9999-12-31", "from=0001-01-01&to=0001-01-01",
              "format=exe", "sender=%00", "sender=%ED%A0%80&after=1&timeout=0", "next=//evil.example",
              "next=/console%00", "status=all&x=" + "%" * 10]
    random.Random(14).shuffle(values)
    return values
