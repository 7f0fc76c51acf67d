"""An HTTP client for the operator console: cookies, CSRF tokens from the pages, redirects."""
from __future__ import annotations

import re

import aiohttp

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class ConsoleClient:
    def __init__(self, base_url: str):
        self.base_url = base_url
        # unsafe=True: keep cookies set by an IP address host (127.0.0.1).
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf: str | None = None

    async def close(self) -> None:
        await self.http.close()

    async def get(self, path: str, **kwargs) -> tuple[int, str]:
        async with self.http.get(self.base_url + path, **kwargs) as response:
            body = await response.text()
            found = CSRF.search(body)
            if found:
                self.csrf = found.group(1)
            return response.status, body

    async def post(self, path: str, data: dict | list[tuple[str, str]] | None = None, *, csrf: str | None = None,
                   allow_redirects: bool = True) -> tuple[int, str, aiohttp.ClientResponse]:
        # A list of pairs sends a field several times (a multiple select).
        form = list(data.items()) if isinstance(data, dict) else list(data or [])
        if not any(name == "csrf_token" for name, _ in form):
            form.append(("csrf_token", self.csrf if csrf is None else csrf))
        async with self.http.post(self.base_url + path, data=form, allow_redirects=allow_redirects) as response:
            body = await response.text()
            found = CSRF.search(body)
            if found:
                self.csrf = found.group(1)
            return response.status, body, response

    async def login(self, name: str, password: str) -> tuple[int, str]:
        await self.get("/console/login")
        status, body, _ = await self.post("/console/login", {"name": name, "password": password})
        return status, body
