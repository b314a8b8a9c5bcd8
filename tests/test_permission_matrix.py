"""Every route x every role (and anonymous) gives the status it was designed to give.

Adding a route without a row here fails test_every_route_is_in_the_matrix.
"""
import pytest

from copractice.permissions import can, known_actions
from tests.conftest import AuthActions, csrf_from

ROLES = ["anonymous", "trainee", "facilitator", "theme_lead", "admin"]
LOGIN = 302  # anonymous people are sent to the login page
ALL = {role: 200 for role in ROLES}


def only_admin(ok=200):
    return {"anonymous": LOGIN, "trainee": 403, "facilitator": 403, "theme_lead": 403, "admin": ok}


SIGNED_IN = {"anonymous": LOGIN, "trainee": 200, "facilitator": 200, "theme_lead": 200, "admin": 200}
SIGNED_OUT_ONLY = {"anonymous": 200, "trainee": 302, "facilitator": 302, "theme_lead": 302, "admin": 302}

# endpoint: (method, url, form data, {role: status})
MATRIX = {
    "site.home": ("GET", "/", None, ALL),
    "site.accessibility": ("GET", "/accessibility", None, ALL),
    "site.privacy": ("GET", "/privacy", None, ALL),
    "members.register": ("GET", "/register", None, SIGNED_OUT_ONLY),
    "members.verify_email": ("GET", "/verify/not-a-real-token", None, {r: 400 for r in ROLES}),
    "members.resend_verification": ("GET", "/verify", None, ALL),
    "members.login": ("GET", "/login", None, SIGNED_OUT_ONLY),
    "members.logout": ("POST", "/logout", {}, {r: 302 for r in ROLES}),
    "members.forgot_password": ("GET", "/password/forgot", None, ALL),
    "members.reset_password": ("GET", "/password/reset/not-a-real-token", None, {r: 400 for r in ROLES}),
    "members.profile": ("GET", "/account", None, SIGNED_IN),
    "members.edit_profile": ("GET", "/account/edit", None, SIGNED_IN),
    "members.consents": ("GET", "/account/consents", None, SIGNED_IN),
    "members.change_password": ("GET", "/account/password", None, SIGNED_IN),
    "members.download_data": ("GET", "/account/data.json", None, SIGNED_IN),
    "members.delete_account": ("GET", "/account/delete", None, SIGNED_IN),
    "admin.dashboard": ("GET", "/admin/", None, only_admin()),
    "admin.members": ("GET", "/admin/members", None, only_admin()),
    "admin.member": ("GET", "/admin/members/{target}", None, only_admin()),
    "admin.change_role": ("POST", "/admin/members/{target}/role", {"role": "facilitator"}, only_admin(302)),
    "admin.set_active": ("POST", "/admin/members/{target}/active", {"active": "no"}, only_admin(302)),
    "admin.audit_log": ("GET", "/admin/audit", None, only_admin()),
    "admin.plugins": ("GET", "/admin/plugins", None, only_admin()),
    "admin.plugin_switch": ("GET", "/admin/plugins/sample", None, only_admin()),
    # A disabled plugin's pages are not there for anyone.
    "sample.index": ("GET", "/sample/", None, {r: 404 for r in ROLES}),
}


@pytest.fixture
def app_settings():
    return {"EXTRA_PLUGINS": ["sample=tests.plugins.sample_plugin"]}


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints - set(MATRIX) == set(), "add these routes to the permission matrix"
    assert set(MATRIX) - endpoints == set(), "these matrix rows have no route any more"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_route_gives_designed_status(app, client, make_member, endpoint, role):
    method, url, data, expected = MATRIX[endpoint]
    target = make_member(role="trainee", name="Target Person")
    if role != "anonymous":
        make_member(email=f"{role}@example.org", role=role,
                    themes=("cross-cutting",) if role == "theme_lead" else ())
        assert AuthActions(client).login(f"{role}@example.org").status_code == 302
    url = url.format(target=target.id)
    if method == "POST":
        token = csrf_from(client.get("/password/forgot").get_data(as_text=True))
        response = client.post(url, data={"csrf_token": token, **data})
    else:
        response = client.get(url)
    assert response.status_code == expected[role], f"{method} {url} as {role}"
    if response.status_code == LOGIN and role == "anonymous" and expected[role] == LOGIN and endpoint not in (
            "members.logout",):
        assert response.headers["Location"].startswith("/login?next=")


def test_can_refuses_unknown_actions():
    with pytest.raises(LookupError):
        can(None, "no.such.action")


@pytest.mark.parametrize("action", known_actions())
def test_anonymous_may_only_view_the_site(action):
    assert can(None, action) is (action == "site.view")


def test_theme_lead_manages_only_their_themes(app, make_member):
    from copractice.extensions import db
    from copractice.members.models import Member

    lead = make_member(role="theme_lead", themes=("dementia",))
    with app.app_context():
        lead = db.session.get(Member, lead.id)
        assert can(lead, "theme.manage", "dementia")
        assert not can(lead, "theme.manage", "social-care")
        admin = db.session.get(Member, make_member(role="admin").id)
        assert can(admin, "theme.manage", "social-care")


def test_nobody_changes_their_own_role(app, make_member):
    from copractice.extensions import db
    from copractice.members.models import Member

    with app.app_context():
        admin = db.session.get(Member, make_member(role="admin").id)
        assert not can(admin, "member.change_role", admin)
        assert not can(admin, "member.set_active", admin)


def test_every_view_declares_its_permission(app):
    """Each view goes through can(): permission_required marks it, so none can slip through unchecked."""
    missing = [endpoint for endpoint, view in app.view_functions.items()
               if endpoint != "static" and not hasattr(view, "permission")]
    assert missing == [], "wrap these views in @permission_required(...)"
