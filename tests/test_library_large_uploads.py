"""An over-large upload to a real gunicorn server gets the 413 page, not a reset connection."""
import http.client
import json

import pytest

from tests.concurrency_helpers import Gunicorn
from tests.conftest import free_port


@pytest.fixture
def server(database_url, smtp_server, tmp_path, app):
    port = free_port()
    env = {"COPRACTICE_ENV": "testing", "COPRACTICE_DATABASE_URL": database_url,
           "COPRACTICE_SECRET_KEY": "test-secret-key", "COPRACTICE_MAIL_PORT": str(smtp_server.port),
           "COPRACTICE_MAX_CONTENT_LENGTH": json.dumps(1_000_000),
           "COPRACTICE_UPLOAD_FOLDER": str(tmp_path / "uploads")}
    server = Gunicorn(port, env, tmp_path / "gunicorn.log", workers=1)
    try:
        server.wait_until_answering()
        yield port
    finally:
        server.stop()


def test_a_5_mb_upload_over_a_1_mb_limit_gets_the_413_page(server):
    boundary = "copracticeboundary"
    payload = b"%PDF-1.4\n" + b"0" * 5_000_000
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nBig\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode() + payload + f"\r\n--{boundary}--\r\n".encode()
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=30)
    connection.request("POST", "/manage/resources/new", body=body,
                       headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    response = connection.getresponse()  # a reset connection would raise here
    page = response.read().decode()
    connection.close()
    assert response.status == 413
    assert "The file is too large" in page and "Nothing was saved" in page
