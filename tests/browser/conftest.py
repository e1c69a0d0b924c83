"""Browser fixtures: a live server in a thread and Playwright on Chromium.

The tests drive Debian's /usr/bin/chromium (no browser download); they are
skipped only where that binary is missing, which .ci/run prevents.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
#: Screenshots are for people to look at, not checks: ``make screenshots``
#: (``SHOTS=1``) saves them. Without it the pages are still loaded, checked
#: for sideways overflow and asserted on; only the PNG is not made, which
#: was about a third of a browser test's time (12 tests: 51 s with, 34 without).
TAKE_SHOTS = os.environ.get("SHOTS") == "1"
PHONE = {"width": 360, "height": 800}  # the narrowest phone a page must fit
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def app_config():
    """Live servers answer on 127.0.0.1, not the test SERVER_NAME."""
    return {"SERVER_NAME": None}


def _closed_before_sending(app):
    """Read each response body whole and close it before the server writes it.

    Werkzeug's development server does not close a response's file (a static
    file, say) when the browser drops the connection half-way, which happens
    whenever a page navigates away while its assets load. The file is then
    closed by the garbage collector with a ResourceWarning, an error here.
    Bodies in these tests are small, so buffering them costs nothing.
    """

    def wsgi(environ, start_response):
        iterable = app(environ, start_response)
        try:
            body = b"".join(iterable)
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()
        return [body]

    return wsgi


@pytest.fixture
def live_server(app):
    """Serve ``app`` on a free local port for the duration of a test."""
    server = make_server("127.0.0.1", 0, _closed_before_sending(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page_at(browser):
    """Open pages at a viewport size: ``page_at("phone")``."""
    contexts = []

    def open_page(size: str = "desktop", locale: str = "fr-FR"):
        context = browser.new_context(viewport=PHONE if size == "phone" else DESKTOP, locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


#: Elements sticking out of the viewport sideways (what makes a phone page scroll).
OVERFLOWING = """() => { const w = document.documentElement.clientWidth; const out = [];
  for (const el of document.querySelectorAll('body *')) { const r = el.getBoundingClientRect();
    if (r.width && (r.left < -1 || r.right > w + 1)) out.push(el.tagName + '.' + el.className); }
  return out.slice(0, 8); }"""


def screenshot(page, path: Path) -> None:
    """A full-page screenshot at ``path`` when ``SHOTS=1`` (see ``TAKE_SHOTS``)."""
    if TAKE_SHOTS:
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)


@pytest.fixture
def shoot():
    """Save a full-page screenshot under screenshots/ (git-ignored).

    Every page shot is also checked for sideways overflow, the usual way a
    layout breaks on a phone or in right-to-left.
    """
    SCREENSHOTS.mkdir(exist_ok=True)

    def save(page, name: str) -> Path:
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, (name, overflow, page.evaluate(OVERFLOWING))
        path = SCREENSHOTS / f"{name}.png"
        screenshot(page, path)
        return path

    return save
