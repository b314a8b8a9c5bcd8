"""Security defaults: CSRF everywhere, headers, safe redirects, rate limits, error pages."""
import pytest

from copractice.security import is_safe_next
from tests.conftest import AuthActions, post_form


@pytest.fixture
def app_settings():
    return {"EXTRA_PLUGINS": ["sample=tests.plugins.sample_plugin"]}


# POST routes without a CSRF token, and why: each checks a signed token of its own instead.
CSRF_EXEMPT = {
    "community_watch.unsubscribe": "RFC 8058 one-click unsubscribe: mail programs POST with no session",
}


def test_every_post_route_refuses_a_request_without_csrf_token(app, make_member):
    target = make_member()
    admin = make_member(email="admin@example.org", role="admin")
    client = app.test_client()
    AuthActions(client).login(admin.email)
    posts = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods]
    assert len(posts) >= 10
    for rule in posts:
        sample_values = {"member_id": target.id, "token": "t", "name": "sample", "slug": "any-course",
                         "course_id": 1, "session_id": 1, "enrolment_id": 1, "code": "NOSUCHCODE",
                         "resource_id": 1, "suggestion_id": 1, "file_id": 1, "partner_id": 1,
                         "message_id": 1, "failure_id": 1, "conversation_id": 1, "report_id": 1,
                         "kind": "mentor", "request_id": 1, "topic_id": 1, "post_id": 1, "space_id": 1, "flag_id": 1,
                         "stop_id": 1, "person_id": 1, "role_id": 1, "entry_id": 1, "target_id": 1}
        sample_values.update({"meeting_id": 1, "item_id": 1, "paper_id": 1, "action_id": 1,  # issue 15: agendas
                              "organisation_id": 1})  # and the partnership map
        sample_values.update({"project_id": 1})  # issue 16: projects' GRIPP2 records
        # Any other id in an address (a survey's, a claim's...): 1 is as good as any, the token is what is refused.
        values = {arg: sample_values.get(arg, 1 if arg.endswith("_id") else "x") for arg in rule.arguments}
        for arg, converter in rule._converters.items():
            if hasattr(converter, "items"):  # any(...): one of its words
                values[arg] = sorted(converter.items)[0]
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values)
        response = client.post(url, data={})
        assert response.status_code == 400, f"{rule.rule} accepted a POST without a CSRF token"
        if rule.endpoint in CSRF_EXEMPT:  # its signed token is the proof instead: a forged one is refused
            assert "link" in response.get_data(as_text=True).lower()
            continue
        assert "Your form timed out or could not be checked" in response.get_data(as_text=True)


def test_security_headers_and_a_csp_without_unsafe_inline(client):
    headers = client.get("/").headers
    csp = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script_or_style(client):
    html = client.get("/register").get_data(as_text=True)
    assert "<script>" not in html and "style=" not in html and "<style" not in html


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example", "http:/evil.example",
    "javascript:alert(1)", " //evil.example", "/\r\nLocation: http://evil.example", "", None,
])
def test_next_refuses_other_sites(target):
    assert not is_safe_next(target)


@pytest.mark.parametrize("target", ["/", "/account", "/admin/members?q=mary&page=2"])
def test_next_accepts_paths_on_this_site(target):
    assert is_safe_next(target)


def test_login_next_redirect_stays_on_site(client, make_member):
    make_member(email="n@example.org")
    response = post_form(client, "/login", {"email": "n@example.org", "password": "correct horse battery",
                                            "next": "https://evil.example/steal"})
    assert response.headers["Location"] == "/account"
    AuthActions(client).logout()
    response = post_form(client, "/login?next=/admin/", {"email": "n@example.org",
                                                          "password": "correct horse battery"})
    assert response.headers["Location"] == "/admin/"


def test_anonymous_redirect_to_login_keeps_the_page_asked_for(client):
    assert client.get("/account/edit").headers["Location"] == "/login?next=%2Faccount%2Fedit"


def test_login_is_rate_limited_per_account_across_addresses(app, make_member):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    make_member(email="target@example.org")
    statuses = []
    for n in range(5):
        client = app.test_client()
        statuses.append(post_form(client, "/login", {"email": "target@example.org", "password": "guess"},
                                  environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code)
    assert statuses == [200, 200, 200, 429, 429]


def test_login_is_rate_limited_per_address(app, client):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "4 per 5 minutes"
    statuses = [post_form(client, "/login", {"email": f"u{n}@example.org", "password": "guess"}).status_code
                for n in range(6)]
    assert statuses[:4] == [200] * 4 and statuses[4:] == [429, 429]
    page = post_form(client, "/login", {"email": "x@example.org", "password": "y"}).get_data(as_text=True)
    assert "Too many attempts" in page


def test_password_reset_is_rate_limited_per_account(app, make_member, mailbox):
    make_member(email="r@example.org")
    for n in range(5):
        post_form(app.test_client(), "/password/forgot", {"email": "r@example.org"},
                  environ_base={"REMOTE_ADDR": f"10.1.0.{n}"})
    assert len(mailbox.to("r@example.org")) == 3  # RESET_LIMIT_PER_ACCOUNT


def test_error_pages_show_no_stack_trace(app, client):
    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500 and "Sorry, there is a problem with the service" in html
    assert "secret internals" not in html and "Traceback" not in html
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "Page not found" in missing.get_data(as_text=True)


def test_output_is_escaped(client, app, make_member):
    make_member(email="x@example.org", name='<script>alert("x")</script>')
    AuthActions(client).login("x@example.org")
    html = client.get("/account").get_data(as_text=True)
    assert '<script>alert("x")</script>' not in html and "&lt;script&gt;" in html


def test_session_cookie_is_httponly_and_samesite(client, make_member):
    make_member(email="c@example.org")
    cookie = AuthActions(client).login("c@example.org").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
