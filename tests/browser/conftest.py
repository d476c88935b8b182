"""Fixtures of the browser suite: the built site served on localhost, and Debian's Chromium
driven by Playwright with every request that leaves localhost aborted and recorded.

The suite tests the site `make book` / `make build-strict` produced in ``_build/html`` (or the
directory in the environment variable GRU_BOOK_HTML); it is skipped when there is none, so that
``pytest tests`` before a build does not fail. ``make browser`` runs it after the strict build.
"""

import functools
import http.server
import os
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = Path(os.environ.get("GRU_BOOK_HTML", ROOT / "_build" / "html")).resolve()
SCREENSHOTS = HTML.parent / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# The flags that let Debian's Chromium run headless here (as root, in a container, no GPU), and
# keep it from phoning home on its own (updates, sync, first-run pages).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def pytest_collection_modifyitems(config, items):
    """Skip this directory's tests (the hook sees every collected item) when nothing is built."""
    if (HTML / "index.html").is_file():
        return
    skip = pytest.mark.skip(reason=f"no built site in {HTML}: run `make book` first "
                                   "(`make browser` builds and tests)")
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(skip)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site():
    """Base URL of the built site, served by a local HTTP server in a background thread."""
    handler = functools.partial(QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Recorder:
    """What one page did: console errors, uncaught exceptions, and the requests that were blocked
    because they left localhost."""

    def __init__(self):
        self.console_errors = []      # (text, url of the resource or script)
        self.page_errors = []
        self.blocked = []

    def on_route(self, route):
        host = urlsplit(route.request.url).hostname
        if host in LOCAL_HOSTS:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort("blockedbyclient")

    def on_console(self, message):
        if message.type == "error":
            self.console_errors.append((message.text, message.location.get("url", "")))


@pytest.fixture()
def open_page(browser, site):
    """``open_page("book/x.html") -> (page, recorder)``: a fresh context with the network blocked
    except for localhost, the page loaded, its scripts settled and MathJax done."""
    contexts = []

    def load(path, width=1280, height=900):
        context = browser.new_context(viewport={"width": width, "height": height},
                                      service_workers="block")
        # MathJax typesets a chapter's few hundred equations before the load event: ~15 s on a
        # busy 2-core machine, so allow far more than Playwright's default 30 s.
        context.set_default_timeout(120_000)
        contexts.append(context)
        recorder = Recorder()
        context.route("**/*", recorder.on_route)
        page = context.new_page()
        page.on("console", recorder.on_console)
        page.on("pageerror", lambda error: recorder.page_errors.append(str(error)))
        page.goto(site + path, wait_until="load")
        page.wait_for_load_state("networkidle")
        page.evaluate("""async () => {
            if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
                await MathJax.startup.promise;
            }
            await Promise.all([...document.images].map(
                img => img.complete ? null : img.decode().catch(() => null)));
        }""")
        return page, recorder

    yield load
    for context in contexts:
        context.close()
