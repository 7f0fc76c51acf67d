"""Headless Chromium for the browser tests: the system's browser (Debian's chromium), driven by
Playwright without a browser download of its own. A test module imports from here and sets
`pytestmark = needs_chromium`; without Playwright the module is skipped at import."""
import os
import shutil
from contextlib import asynccontextmanager

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

playwright_api = pytest.importorskip("playwright.async_api", reason="pip install playwright (no browser download needed)")
needs_chromium = pytest.mark.skipif(not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)),
                                    reason=f"no system Chromium at {CHROMIUM} (apt-get install chromium)")


@asynccontextmanager
async def console_session(base_url: str, name: str, password: str):
    """A headless Chromium page logged in to the operator console as `name`."""
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = await browser.new_page()
            page.set_default_timeout(10_000)
            await page.goto(base_url + "/console/login")
            await page.fill("input[name=name]", name)
            await page.fill("input[name=password]", password)
            await page.click("button[type=submit]")
            await page.wait_for_url("**/console")
            yield page
        finally:
            await browser.close()
