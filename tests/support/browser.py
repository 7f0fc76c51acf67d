"""Headless Chromium for the browser tests: the system's browser (Debian's chromium), driven by
Playwright without a browser download of its own. A test module imports from here and sets
`pytestmark = needs_chromium`; without Playwright the module is skipped at import."""
import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

playwright_api = pytest.importorskip("playwright.async_api", reason="pip install playwright (no browser download needed)")
needs_chromium = pytest.mark.skipif(not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)),
                                    reason=f"no system Chromium at {CHROMIUM} (apt-get install chromium)")
