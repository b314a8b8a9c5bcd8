"""Browser fixtures: the real app on a live port, one headless Chromium per session, an axe check."""
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# axe impacts that fail a journey; "minor" and "moderate" findings are left to review.
BLOCKING_IMPACTS = {"serious", "critical"}
# How long a step may take: actions (the context's default below) and expect() assertions alike, which
# otherwise wait only Playwright's 5 s, short for a loaded two-core CI host.
STEP_MS = 10_000


def pytest_collection_modifyitems(items):
    """Every test under tests/browser drives a real browser: mark it so `-m "not browser"` skips them."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


# -- the live server -------------------------------------------------------------------------------

class LiveServer:
    """The app served over HTTP on 127.0.0.1 from a background thread."""

    def __init__(self, app):
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = make_server("127.0.0.1", self.port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="live-server", daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@pytest.fixture
def live_server(app, mailbox):
    """Base URL of the app, with empty tables and an empty mailbox."""
    server = LiveServer(app)
    app.config["BASE_URL"] = server.url  # emailed links lead back to this server
    server.start()
    yield server.url
    server.stop()


# -- the browser -----------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is not installed at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=STEP_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """new_page(**context_options) -> a page in a fresh context (no cookies); all closed after the test."""
    contexts = []

    def make(**options):
        options.setdefault("accept_downloads", True)
        context = browser.new_context(**options)
        context.set_default_timeout(STEP_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


# -- accessibility ---------------------------------------------------------------------------------

def check_a11y(page):
    """Run axe-core on the page as it is now; fail on any serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("load")
    # Axe.run injects axe.min.js through page.evaluate (DevTools), which the site's CSP does not block.
    results = Axe().run(page)
    blocking = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    if blocking:
        lines = [f"axe found {len(blocking)} serious or critical problem(s) on {page.url}:"]
        for violation in blocking:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} [{violation['helpUrl']}]")
            for node in violation["nodes"]:
                summary = "; ".join(line.strip() for line in node.get("failureSummary", "").splitlines() if line.strip())
                summary = summary.replace(":; ", ": ")
                lines.append(f"    {', '.join(map(str, node['target']))}: {summary}")
        pytest.fail("\n".join(lines), pytrace=False)
