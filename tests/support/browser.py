"""Debian's Chromium driven by Playwright for Python, for the console's browser tests.

Never `playwright install`: the browser is the system's (`apt-get install chromium`, which dev/run-tests
does), launched headless with everything that would reach the network switched off. axe-core is vendored
in tests/support/axe so the accessibility check works offline.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

AXE = Path(__file__).with_name("axe") / "axe.min.js"
CHROMIUM = os.environ.get("FIELDAPP_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "console"


@contextmanager
def chromium() -> Iterator[Any]:
    """One headless Chromium (fails the test, never skips, if the test command did not install it)."""
    from playwright.sync_api import sync_playwright

    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: dev/run-tests installs Debian's chromium", pytrace=False)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it stands (run through the debugging protocol,
    so the console's Content-Security-Policy, which forbids every script, need not be loosened)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_AA,
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]


def screenshot(page: Any, name: str, folder: Path) -> Path:
    """A full-page PNG in `folder`; also in docs/screenshots/console when FIELDAPP_CONSOLE_SCREENSHOTS=1
    (dev/screenshots-console), so an ordinary test run never changes the work tree."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("FIELDAPP_CONSOLE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, SCREENSHOTS / path.name)
    return path
