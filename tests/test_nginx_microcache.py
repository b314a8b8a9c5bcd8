"""The nginx micro-cache of docs/deployment.md, run with Debian's nginx in front of the app (issue 12 point 3):
anonymous pages are kept for a few seconds; anyone with a cookie, and any page that sets one, goes to the app."""
import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser.conftest import LiveServer
from tests.conftest import free_port
from tests.factories_courses import create_course

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "deployment.md"


def cache_directives():
    """The proxy_cache lines of the documented snippet (so the test runs what the docs say)."""
    text = DOCS.read_text()
    block = text[text.index("### Micro-caching anonymous pages"):]
    block = block[block.index("```nginx"):block.index("```", block.index("```nginx") + 3)]
    lines = [line.split("#")[0].strip() for line in block.splitlines()]
    path = next(line for line in lines if line.startswith("proxy_cache_path"))
    inside = [line for line in lines if line.startswith(("proxy_cache ", "proxy_cache_", "proxy_no_cache", "add_header"))
              and not line.startswith("proxy_cache_path")]
    return path, inside


@pytest.fixture
def proxy(app, tmp_path):
    if not os.path.exists(NGINX):
        pytest.skip("needs Debian's nginx (apt-get install nginx-light)")
    server = LiveServer(app)
    server.start()
    port = free_port()
    path, inside = cache_directives()
    path = re.sub(r"proxy_cache_path \S+", f"proxy_cache_path {tmp_path / 'cache'}", path)
    conf = tmp_path / "nginx.conf"
    user = "user root root;" if os.geteuid() == 0 else ""
    conf.write_text(f"""{user}
daemon off; worker_processes 1; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fcgi; uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;
    {path}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{server.port};
            proxy_set_header Host $host;
            {' '.join(inside)}
        }}
    }}
}}
""")
    process = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(conf)], stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30  # room for a loaded host
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/accessibility", timeout=5)
            break
        except OSError:
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=10)
    server.stop()


def get(url, **headers):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
        return response.headers, response.read()


def test_nginx_keeps_anonymous_pages_and_passes_everything_personal_through(app, proxy):
    with app.test_request_context():
        slug = create_course(title="Micro-cached course").slug
    first, body = get(f"{proxy}/courses/{slug}")
    second, again = get(f"{proxy}/courses/{slug}")
    assert (first["X-Cache-Status"], second["X-Cache-Status"]) == ("MISS", "HIT")
    assert again == body and "Micro-cached course" in body.decode()
    assert get(f"{proxy}/courses/{slug}", Cookie="session=someone")[0]["X-Cache-Status"] == "BYPASS"
    # The log-in page makes a form token (a cookie): never kept, never shared.
    statuses = [get(f"{proxy}/login")[0]["X-Cache-Status"] for _ in range(2)]
    assert "HIT" not in statuses
    # After s-maxage the kept page is served at once (STALE) while nginx asks the app again in the background
    # (with If-None-Match: the app answers 304), and the next visitor gets the refreshed copy.
    time.sleep(app.config["HTTP_CACHE_SECONDS"] + 1)
    stale, kept = get(f"{proxy}/courses/{slug}")
    assert stale["X-Cache-Status"] == "STALE" and kept == body
    deadline = time.monotonic() + 30
    while (refreshed := get(f"{proxy}/courses/{slug}")[0]["X-Cache-Status"]) == "UPDATING" \
            and time.monotonic() < deadline:
        time.sleep(0.1)
    assert refreshed == "HIT"
