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
SIGNED_IN_REDIRECT = {r: 302 for r in ROLES}  # a member step: done or refused, back to the course page
ORGANISERS = {"anonymous": LOGIN, "trainee": 403, "facilitator": 200, "theme_lead": 200, "admin": 200}
# The matrix's theme lead leads this course's theme; its facilitator runs this course.
MANAGERS = {"anonymous": LOGIN, "trainee": 403, "facilitator": 403, "theme_lead": 200, "admin": 200}
MANAGERS_POST = {"anonymous": LOGIN, "trainee": 403, "facilitator": 403, "theme_lead": 302, "admin": 302}
RUNNERS = ORGANISERS
RUNNERS_POST = {"anonymous": LOGIN, "trainee": 403, "facilitator": 302, "theme_lead": 302, "admin": 302}
THEME_REPORTS = {"anonymous": LOGIN, "trainee": 403, "facilitator": 403, "theme_lead": 200, "admin": 200}
THEME_REPORTS_POST = {"anonymous": LOGIN, "trainee": 403, "facilitator": 403, "theme_lead": 302, "admin": 302}
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
    "members.my_data": ("GET", "/account/data", None, SIGNED_IN),
    "members.delete_account": ("GET", "/account/delete", None, SIGNED_IN),
    "admin.dashboard": ("GET", "/admin/", None, only_admin()),
    "admin.members": ("GET", "/admin/members", None, only_admin()),
    "admin.member": ("GET", "/admin/members/{target}", None, only_admin()),
    "admin.change_role": ("POST", "/admin/members/{target}/role", {"role": "facilitator"}, only_admin(302)),
    "admin.set_active": ("POST", "/admin/members/{target}/active", {"active": "no"}, only_admin(302)),
    "admin.audit_log": ("GET", "/admin/audit", None, only_admin()),
    "admin.plugins": ("GET", "/admin/plugins", None, only_admin()),
    "admin.plugin_switch": ("GET", "/admin/plugins/sample", None, only_admin()),
    # Web installs are off unless COPRACTICE_PLUGIN_INSTALL=catalogue (on: tests/test_plugin_install.py).
    "plugin_install.catalogue": ("GET", "/admin/plugins/catalogue", None, only_admin(403)),
    "plugin_install.progress": ("GET", "/admin/plugins/installs/1", None, only_admin(403)),
    "courses.catalogue": ("GET", "/courses", None, ALL),
    "courses.course": ("GET", "/courses/{slug}", None, ALL),
    "courses.enrol": ("POST", "/courses/{slug}/enrol", {}, SIGNED_IN_REDIRECT),
    "courses.leave_waiting_list": ("POST", "/courses/{slug}/leave-waiting-list", {}, SIGNED_IN_REDIRECT),
    "courses.accept_offer": ("POST", "/courses/{slug}/accept", {}, SIGNED_IN_REDIRECT),
    "courses.decline_offer": ("POST", "/courses/{slug}/decline", {}, SIGNED_IN_REDIRECT),
    "courses.cancel": ("GET", "/courses/{slug}/cancel", None, SIGNED_IN_REDIRECT),
    "courses.course_ics": ("GET", "/courses/{slug}/calendar.ics", None, ALL),
    "courses.my_learning": ("GET", "/learning", None, SIGNED_IN),
    "courses.my_sessions": ("GET", "/learning/sessions", None, SIGNED_IN),
    "courses.my_courses": ("GET", "/learning/courses", None, SIGNED_IN),
    "courses.member_ics": ("GET", "/calendar/not-a-real-calendar-token-at-all.ics", None, {r: 404 for r in ROLES}),
    "courses.calendar_feed": ("GET", "/account/calendar", None, SIGNED_IN),
    "courses.notices": ("GET", "/notices", None, SIGNED_IN),
    "courses.email_preferences": ("GET", "/account/notifications", None, SIGNED_IN),
    "manage.courses": ("GET", "/manage/courses", None, ORGANISERS),
    "manage.new_course": ("GET", "/manage/courses/new", None, MANAGERS),
    "manage.edit_course": ("GET", "/manage/courses/{course}/edit", None, MANAGERS),
    "manage.course": ("GET", "/manage/courses/{course}", None, RUNNERS),
    "manage.new_session": ("GET", "/manage/courses/{course}/sessions/new", None, MANAGERS),
    "manage.edit_session": ("GET", "/manage/sessions/{session}/edit", None, MANAGERS),
    "manage.delete_session": ("POST", "/manage/sessions/{session}/delete", {}, MANAGERS_POST),
    "manage.access_needs": ("GET", "/manage/sessions/{session}/access-needs", None, RUNNERS),
    "manage.enrol_member": ("POST", "/manage/courses/{course}/enrol", {"email": "nobody@example.org"}, MANAGERS_POST),
    "manage.remove": ("POST", "/manage/enrolments/{enrolment}/remove", {"reason": "test"}, MANAGERS_POST),
    "manage.move": ("POST", "/manage/enrolments/{enrolment}/move", {"direction": "up"}, MANAGERS_POST),
    "attendance.register": ("GET", "/manage/sessions/{session}/register", None, RUNNERS),
    "attendance.mark": ("POST", "/manage/sessions/{session}/register/{target}", {"status": "present"}, RUNNERS_POST),
    "attendance.take_register": ("POST", "/manage/sessions/{session}/register/marks", {"present": "{target}"},
                                 RUNNERS_POST),
    "attendance.everyone_present": ("POST", "/manage/sessions/{session}/register/everyone-present", {}, RUNNERS_POST),
    "attendance.walk_in": ("POST", "/manage/sessions/{session}/register/walk-in", {"email": "nobody@example.org"},
                           RUNNERS_POST),
    "attendance.register_history": ("GET", "/manage/sessions/{session}/register/history", None, RUNNERS),
    "attendance.show_checkin": ("GET", "/manage/sessions/{session}/check-in", None, RUNNERS),
    "attendance.checkin_json": ("GET", "/manage/sessions/{session}/check-in.json", None, RUNNERS),
    "attendance.check_in": ("GET", "/check-in", None, SIGNED_IN),
    "attendance.check_in_session": ("GET", "/check-in/{session}", None, SIGNED_IN),
    "attendance.apologies": ("GET", "/sessions/{session}/apologies", None, SIGNED_IN),
    "attendance.withdraw_apologies": ("POST", "/sessions/{session}/apologies/withdraw", {}, SIGNED_IN_REDIRECT),
    "attendance.import_report": ("GET", "/manage/sessions/{session}/import", None, RUNNERS),
    "attendance.match_row": ("POST", "/manage/sessions/{session}/import/match", {"member_id": "{target}",
                                                                                  "status": "present"}, RUNNERS_POST),
    # Nobody in the matrix has completed the course, so there is no certificate to download.
    "attendance.certificate": ("GET", "/certificates/{slug}.pdf", None,
                               {"anonymous": LOGIN, "trainee": 404, "facilitator": 404, "theme_lead": 404, "admin": 404}),
    "attendance.check_certificate": ("GET", "/certificates/check", None, ALL),
    "attendance.verify_certificate": ("GET", "/certificates/check/NOSUCHCODE", None, {r: 404 for r in ROLES}),
    "attendance.revoke_certificate": ("POST", "/manage/certificates/NOSUCHCODE/revoke", {"reason": "x"},
                                      only_admin(404)),
    "attendance.reissue_certificate": ("POST", "/manage/certificates/NOSUCHCODE/reissue", {}, only_admin(404)),
    "attendance.course_report": ("GET", "/reports/courses/{course}", None, RUNNERS),
    # Someone else's history: only admins (a member sees their own; see test_attendance_*).
    "attendance.member_report": ("GET", "/reports/members/{target}", None,
                                 {"anonymous": LOGIN, "trainee": 403, "facilitator": 403, "theme_lead": 403,
                                  "admin": 200}),
    "attendance.overview": ("GET", "/reports", None, THEME_REPORTS),
    "attendance.remind_low_attendance": ("POST", "/reports/low-attendance/remind", {}, THEME_REPORTS_POST),
    "library.index": ("GET", "/resources", None, ALL),
    "library.resource": ("GET", "/resources/{resource}", None, ALL),
    "library.download": ("GET", "/resources/{resource}/download", None, ALL),
    "library.download_version": ("GET", "/resources/{resource}/versions/{file}", None, ALL),
    "library.save": ("POST", "/resources/{resource}/save", {}, SIGNED_IN_REDIRECT),
    "library.saved": ("GET", "/my/resources", None, SIGNED_IN),
    "library.suggest": ("GET", "/resources/suggest", None, SIGNED_IN),
    "library.manage": ("GET", "/manage/resources", None, MANAGERS),
    "library.new": ("GET", "/manage/resources/new", None, MANAGERS),
    "library.edit": ("GET", "/manage/resources/{resource_id}/edit", None, MANAGERS),
    "library.set_status": ("POST", "/manage/resources/{resource_id}/status", {"status": "retired"}, MANAGERS_POST),
    "library.decide": ("POST", "/manage/suggestions/{suggestion}", {"decision": "decline"}, MANAGERS_POST),
    "library.recommend": ("POST", "/manage/courses/{course}/resources", {"slug": "{resource}"}, MANAGERS_POST),
    "admin.plugin_settings": ("GET", "/admin/plugins/sample/settings", None, only_admin(404)),  # sample has none
    "themes.index": ("GET", "/themes", None, ALL),
    "themes.theme": ("GET", "/themes/cross-cutting", None, ALL),
    # A disabled plugin's pages are not there for anyone.
    "sample.index": ("GET", "/sample/", None, {r: 404 for r in ROLES}),
    "reading.settings": ("GET", "/account/reading", None, SIGNED_IN),
    "community_search.search": ("GET", "/community/search?q=carers", None, ALL),  # each finds what they may read
}


# Bundled theme plugins, enabled in the matrix. The matrix's theme lead leads Cross-cutting only, so
# each plugin's management pages must refuse them: theme leads act only inside their own themes.
OTHER_THEME_ADMIN = {"anonymous": LOGIN, "trainee": 403, "facilitator": 403, "theme_lead": 403, "admin": 200}
PLUGIN_MATRIX = {
    "dementia": {
        "dementia.index": ("GET", "/dementia/", None, {r: 302 for r in ROLES}),
        # Moved to the core's /account/reading: a permanent redirect for members' bookmarks.
        "dementia.reading": ("GET", "/dementia/reading", None, {**SIGNED_IN, **{r: 301 for r in ROLES[1:]}}),
        "dementia.companions": ("GET", "/dementia/companions", None, SIGNED_IN),
        "dementia.easier_reading": ("GET", "/dementia/easier-reading", None, SIGNED_IN),
    },
    "childrens_mental_health": {
        "childrens_mental_health.index": ("GET", "/childrens-mental-health/", None, {r: 302 for r in ROLES}),
        "childrens_mental_health.consents": ("GET", "/childrens-mental-health/consent-and-checks", None,
                                             OTHER_THEME_ADMIN),
        "childrens_mental_health.young_people": ("GET", "/childrens-mental-health/for-young-people", None, ALL),
    },
    "social_care": {
        "social_care.index": ("GET", "/social-care/", None, {r: 302 for r in ROLES}),
        # Moved onto the core's partnership map (issue 15 point 5): permanent redirects for bookmarks.
        "social_care.partners": ("GET", "/social-care/partners", None, {r: 301 for r in ROLES}),
        "social_care.gaps": ("GET", "/social-care/partners/gaps", None, {r: 301 for r in ROLES}),
    },
}


# Routes whose 302 is not "log in first": logout, and plugins' front doors that lead to their theme page.
REDIRECTS_BY_DESIGN = {"members.logout", "dementia.index", "childrens_mental_health.index", "social_care.index"}


def installed_bundled_plugins():
    from importlib.metadata import entry_points

    return sorted(ep.name for ep in entry_points(group="copractice") if ep.name in PLUGIN_MATRIX)


for _plugin in installed_bundled_plugins():
    MATRIX.update(PLUGIN_MATRIX[_plugin])


@pytest.fixture
def app_settings():
    # New members' first posts are published at once here: the matrix checks routes, not pre-moderation
    # (tests/test_community_safety.py does).
    return {"EXTRA_PLUGINS": ["sample=tests.plugins.sample_plugin"], "COMMUNITY_HELD_FIRST_POSTS": 0}


# More ids for the URLs, from other parts of the site: each function (app, enrolled member) -> {name: id}.
MATRIX_IDS = []


def matrix_course(app, enrolled, facilitator=None):
    """A published Cross-cutting course with one session and one enrolment; ids for the URLs."""
    from copractice.courses.models import CourseFacilitator, Enrolment
    from copractice.extensions import db
    from copractice.library.models import ResourceSuggestion
    from tests.factories_courses import create_course

    with app.app_context():
        course = create_course(capacity=5)
        enrolment = Enrolment(course_id=course.id, member_id=enrolled.id, status="enrolled")
        db.session.add(enrolment)
        course.places_taken = 1
        if facilitator is not None:
            db.session.add(CourseFacilitator(course_id=course.id, member_id=facilitator.id))
        db.session.commit()
        from tests.test_library import add

        extra = {}
        extra.update(matrix_community(app, enrolled))
        with app.test_request_context():
            resource = add()
            suggestion = ResourceSuggestion(member_id=enrolled.id, title="A suggestion", theme_slug="cross-cutting")
            db.session.add(suggestion)
            db.session.commit()
            resource_ids = {"resource": resource.slug, "resource_id": resource.id, "file": resource.files[0].id,
                            "suggestion": suggestion.id}
        for more_ids in MATRIX_IDS:
            extra.update(more_ids(app, enrolled))
        return {"slug": course.slug, "course": course.id, "session": course.sessions[0].id,
                "enrolment": enrolment.id, **resource_ids, **extra, "theme": "cross-cutting"}


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints - set(MATRIX) == set(), "add these routes to the permission matrix"
    assert set(MATRIX) - endpoints == set(), "these matrix rows have no route any more"


def sign_in(app, client, role, themes=None):
    """Switch the bundled plugins on, then make a member of ``role`` and sign them in (None for anonymous)."""
    from copractice.extensions import db
    from copractice.plugin_models import PluginState
    from tests.conftest import create_member

    with app.app_context():
        for name in installed_bundled_plugins():
            db.session.add(PluginState(name=name, enabled=True))
        db.session.commit()
        me = None
        if role != "anonymous":
            if themes is None:
                themes = ("cross-cutting",) if role == "theme_lead" else ()
            me = create_member(email=f"{role}@example.org", role=role, themes=themes)
            db.session.refresh(me)
            db.session.expunge(me)
    if me is not None:
        assert AuthActions(client).login(f"{role}@example.org").status_code == 302
    return me


def route_mismatches(app, client, role, me, designed, facilitates_course_under_test):
    """Visit every route; list where the status is not ``designed(endpoint, statuses)``.

    Each POST gets fresh data (what an earlier POST changed or removed can't decide its answer); the GETs,
    which change nothing a page shows, share one set.
    """
    from copractice.extensions import db
    from tests.conftest import create_member

    def fresh():
        with app.app_context():
            target = create_member(role="trainee", name="Target Person")
            db.session.refresh(target)
            db.session.expunge(target)
        return target, matrix_course(app, target, facilitator=me if facilitates_course_under_test else None)

    mismatches, shared = [], None
    for endpoint in sorted(MATRIX, key=lambda e: (e == "members.logout", e)):  # logging out goes last
        method, url, data, statuses = MATRIX[endpoint]
        expected = designed(endpoint, statuses)
        if method == "POST":
            target, ids = fresh()
        else:
            shared = shared or fresh()
            target, ids = shared
        url = url.format(target=target.id, **ids)
        if method == "POST":
            token = csrf_from(client.get("/password/forgot").get_data(as_text=True))
            form = {k: (v.format(target=target.id, **ids) if isinstance(v, str) else v) for k, v in data.items()}
            response = client.post(url, data={"csrf_token": token, **form})
        else:
            response = client.get(url)
        if response.status_code != expected:
            mismatches.append(f"{method} {url} ({endpoint}): {response.status_code}, designed {expected}")
        elif (response.status_code == LOGIN and role == "anonymous" and endpoint not in REDIRECTS_BY_DESIGN
              and not response.headers["Location"].startswith("/login?next=")):
            mismatches.append(f"{method} {url} ({endpoint}): redirected to {response.headers['Location']}, not login")
    return mismatches


@pytest.mark.parametrize("role", ROLES)
def test_every_route_gives_the_designed_status(app, role):
    """One member of ``role`` (or nobody) visits every route, each with fresh data; all mismatches are listed."""
    client = app.test_client()
    me = sign_in(app, client, role)
    mismatches = route_mismatches(app, client, role, me, lambda endpoint, statuses: statuses[role],
                                  facilitates_course_under_test=role == "facilitator")
    assert mismatches == [], "\n".join(mismatches)


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
               if endpoint != "static" and not endpoint.endswith(".static") and not hasattr(view, "permission")]
    assert missing == [], "wrap these views in @permission_required(...)"

MATRIX.update({
    "admin.email": ("GET", "/admin/email", None, only_admin()),
    "admin.retry_email": ("POST", "/admin/email/999999/retry", {}, only_admin(404)),
    "site.dev_mail": ("GET", "/dev/mail", None, {r: 404 for r in ROLES}),  # development only
})

MATRIX.update({
    "admin.retry_job": ("POST", "/admin/email/jobs/999999/retry", {}, only_admin(404)),  # issue 12 point 2
})

# Issue 13 point 1: a theme's plugins, for its leads ({theme} is the matrix lead's Cross-cutting). The sample plugin
# extends Cross-cutting but no admin has let theme leads manage it, so its switch, preview and settings refuse the
# lead (tests/test_theme_plugins.py covers a lead an admin allowed, and the lead of another theme).
THEME_PLUGIN_ADMIN = {"anonymous": LOGIN, "trainee": 403, "facilitator": 403, "theme_lead": 403, "admin": 200}
MATRIX.update({
    "themes.plugins": ("GET", "/themes/{theme}/plugins", None, MANAGERS),
    "themes.plugin_switch": ("GET", "/themes/{theme}/plugins/sample/switch", None, THEME_PLUGIN_ADMIN),
    "themes.plugin_preview": ("GET", "/themes/{theme}/plugins/sample/preview", None, THEME_PLUGIN_ADMIN),
    "themes.plugin_settings": ("GET", "/themes/{theme}/plugins/sample/settings", None,
                               {**THEME_PLUGIN_ADMIN, "admin": 404}),  # sample has no settings
    "admin.plugin_theme_leads": ("POST", "/admin/plugins/sample/theme-leads", {"allowed": "yes"}, only_admin(302)),
})

# Each route of a member's own business names what it allows (issue 13, point 9): no route says "account.manage".
DECLARED_ACTIONS = {
    "admin.plugin_settings": "plugin.open_settings",
    "attendance.apologies": "session.send_apologies",
    "attendance.certificate": "certificate.download",
    "attendance.check_in": "session.check_in",
    "attendance.check_in_session": "session.check_in",
    "attendance.member_report": "member.open_history",
    "attendance.withdraw_apologies": "session.send_apologies",
    "childrens_mental_health.consents": "theme.open_tools",
    "courses.accept_offer": "course.accept_offer",
    "courses.calendar_feed": "account.calendar_link",
    "courses.cancel": "course.cancel_place",
    "courses.decline_offer": "course.decline_offer",
    "courses.email_preferences": "account.notification_settings",
    "courses.enrol": "course.enrol",
    "courses.leave_waiting_list": "course.leave_waiting_list",
    "courses.my_courses": "learning.view",
    "courses.my_learning": "learning.view",
    "courses.my_sessions": "learning.view",
    "courses.notices": "notices.read",
    "dementia.companions": "course.bring_companion",
    "dementia.easier_reading": "account.reading_settings",
    "dementia.reading": "account.reading_settings",
    "library.save": "resource.save",
    "library.saved": "resource.list_saved",
    "library.suggest": "resource.suggest",
    "members.change_password": "account.change_password",
    "members.consents": "account.consents",
    "members.delete_account": "account.delete",
    "members.download_data": "account.download_data",
    "members.edit_profile": "account.edit",
    "members.logout": "account.log_out",
    "members.my_data": "account.download_data",
    "members.profile": "account.view",
    "reading.settings": "account.reading_settings",
}


def test_member_routes_name_what_they_allow(app):
    declared = {endpoint: getattr(app.view_functions[endpoint], "permission", None) for endpoint in DECLARED_ACTIONS
                if endpoint in app.view_functions}
    assert declared == {e: a for e, a in DECLARED_ACTIONS.items() if e in app.view_functions}
    assert "account.manage" not in known_actions()
    assert {a for a in DECLARED_ACTIONS.values()} <= set(known_actions())

# Issue 14 point 7: mentoring and co-production buddies. A request that does not exist (or is someone else's) is
# 404 for every member; tests/test_community_mentoring.py covers the asker, the person asked and the others.
NO_REQUEST = {"anonymous": LOGIN, "trainee": 404, "facilitator": 404, "theme_lead": 404, "admin": 404}
MATRIX.update({
    "mentoring.index": ("GET", "/mentoring/", None, SIGNED_IN),
    "mentoring.offer": ("GET", "/mentoring/offer/mentor", None, SIGNED_IN),
    "mentoring.withdraw_offer": ("POST", "/mentoring/offer/buddy/withdraw", {}, SIGNED_IN_REDIRECT),
    "mentoring.ask": ("GET", "/mentoring/ask/buddy", None, SIGNED_IN),
    "mentoring.request": ("GET", "/mentoring/requests/999999", None, NO_REQUEST),
    "mentoring.send": ("POST", "/mentoring/requests/999999/send", {"offer_id": "1"}, NO_REQUEST),
    "mentoring.withdraw_request": ("POST", "/mentoring/requests/999999/withdraw", {}, NO_REQUEST),
    "mentoring.answer": ("POST", "/mentoring/requests/999999/answer", {"decision": "accept"}, NO_REQUEST),
    "mentoring.end": ("POST", "/mentoring/requests/999999/end", {}, NO_REQUEST),
    "mentoring.report": ("GET", "/mentoring/report", None, THEME_REPORTS),
})
DECLARED_ACTIONS.update({
    "mentoring.index": "mentoring.view",
    "mentoring.offer": "mentoring.offer",
    "mentoring.withdraw_offer": "mentoring.offer",
    "mentoring.ask": "mentoring.ask",
    "mentoring.request": "mentoring.open_request",
    "mentoring.send": "mentoring.ask",
    "mentoring.withdraw_request": "mentoring.ask",
    "mentoring.answer": "mentoring.open_request",
    "mentoring.end": "mentoring.open_request",
})

# Issue 14: the community's forum. The space is the core's Cross-cutting one (members only), which the matrix's theme
# lead leads; its topic (a question) and reply are written by the route's fresh member, so nobody in the matrix may
# change them (tests/test_community_posting.py covers their author).
def matrix_community(app, author):
    from copractice.community import posting, spaces
    from copractice.community.models import Space
    from copractice.extensions import db
    from copractice.members.models import Member

    with app.test_request_context():
        spaces.ensure_theme_spaces(app)
        db.session.flush()
        space = db.session.scalar(db.select(Space).where(Space.theme_slug == "cross-cutting"))
        writer = db.session.get(Member, author.id)
        topic = posting.start_topic(writer, space, title="A matrix question", body="Why?", kind="question")
        answer = posting.reply(writer, topic, body="Because.")
        db.session.commit()
        return {"space": space.slug, "topic": topic.id, "reply": answer.id}


MATRIX.update({
    "community.index": ("GET", "/community/", None, ALL),
    "community.new_space": ("GET", "/community/spaces/new", None, only_admin()),
    "community.space": ("GET", "/community/spaces/{space}", None, SIGNED_IN),
    "community.space_settings": ("GET", "/community/spaces/{space}/settings", None, MANAGERS),
    "community.edit_space": ("GET", "/community/spaces/{space}/edit", None, only_admin()),
    # Nobody has that address: leads see the form again with the error beside it.
    "community.add_person": ("POST", "/community/spaces/{space}/people", {"email": "nobody@example.org",
                                                                         "role": "moderator"}, MANAGERS),
    "community.remove_person": ("POST", "/community/spaces/{space}/people/999999/remove", {}, MANAGERS_POST),
    "community.new_topic": ("GET", "/community/spaces/{space}/topics/new", None, SIGNED_IN),
    "community.topic": ("GET", "/community/topics/{topic}", None, SIGNED_IN),
    "community.reply": ("GET", "/community/topics/{topic}/reply", None, SIGNED_IN),
    "community.post": ("GET", "/community/posts/{reply}", None, {r: 302 for r in ROLES}),  # to its page and anchor
    "community.edit_post": ("GET", "/community/posts/{reply}/edit", None,
                            {"anonymous": LOGIN, "trainee": 403, "facilitator": 403, "theme_lead": 403, "admin": 403}),
    # Marked by the asker or a lead, else refused with a message: back to the topic either way.
    "community.mark_answer": ("POST", "/community/topics/{topic}/answer", {"post_id": "{reply}"}, SIGNED_IN_REDIRECT),
    "community.pin": ("POST", "/community/topics/{topic}/pin", {"pinned": "yes"}, MANAGERS_POST),
    "community.close": ("POST", "/community/topics/{topic}/close", {"closed": "yes"}, MANAGERS_POST),
    "community.move": ("GET", "/community/topics/{topic}/move", None, MANAGERS),
    "community.split": ("GET", "/community/topics/{topic}/split", None, MANAGERS),
})
# Issue 14 point 6: messages between members. Conversation 999999 is nobody's: the same 404 as someone else's
# (tests/test_community_messages.py covers a real conversation one is not in, and the rules behind each route).
NOT_YOURS = {"anonymous": LOGIN, "trainee": 404, "facilitator": 404, "theme_lead": 404, "admin": 404}
MATRIX.update({
    "messages.inbox": ("GET", "/messages/", None, SIGNED_IN),
    "messages.new": ("GET", "/messages/new?to={target}", None, SIGNED_IN),
    "messages.conversation": ("GET", "/messages/999999", None, NOT_YOURS),
    "messages.reply": ("POST", "/messages/999999/reply", {"body": "Hello"}, NOT_YOURS),
    "messages.leave": ("POST", "/messages/999999/leave", {}, NOT_YOURS),
    "messages.report": ("GET", "/messages/999999/messages/1/report", None, NOT_YOURS),
    "messages.block": ("POST", "/messages/people/{target}/block", {}, SIGNED_IN_REDIRECT),
    "messages.unblock": ("POST", "/messages/people/{target}/unblock", {}, SIGNED_IN_REDIRECT),
    "messages.blocked": ("GET", "/messages/blocked", None, SIGNED_IN),
    "messages.reports": ("GET", "/messages/reports", None, only_admin()),
    "messages.resolve": ("POST", "/messages/reports/999999/resolve", {}, only_admin(404)),
})
DECLARED_ACTIONS.update({
    "messages.inbox": "messages.read", "messages.new": "messages.send", "messages.conversation": "messages.read",
    "messages.reply": "messages.send", "messages.leave": "messages.read", "messages.report": "messages.read",
    "messages.block": "messages.block", "messages.unblock": "messages.block", "messages.blocked": "messages.block",
})

# Issue 14 point 5: the member directory is for signed-in members; visitors log in first.
MATRIX.update({
    "directory.index": ("GET", "/directory/", None, SIGNED_IN),
    "directory.edit_entry": ("GET", "/directory/entry", None, SIGNED_IN),
})
DECLARED_ACTIONS.update({"directory.index": "directory.view", "directory.edit_entry": "directory.edit_entry"})

# Issue 14 point 3: watching and community email. No space or topic exists in the matrix's data, so the level
# routes answer 404 to members (tests/test_community_watching.py checks each role against open, members-only and
# private spaces); the unsubscribe link works without signing in and refuses a broken token.
MATRIX.update({
    "community_watch.settings": ("GET", "/community/watch/settings", None, SIGNED_IN),
    "community_watch.space": ("POST", "/community/watch/spaces/no-such-space", {"level": "watching"},
                              {**{r: 404 for r in ROLES}, "anonymous": LOGIN}),
    "community_watch.topic": ("POST", "/community/watch/topics/999999", {"level": "watching"},
                              {**{r: 404 for r in ROLES}, "anonymous": LOGIN}),
    "community_watch.unsubscribe": ("GET", "/community/unsubscribe/not-a-real-token", None, {r: 400 for r in ROLES}),
})
DECLARED_ACTIONS.update({
    "community_watch.settings": "account.community_email",
    "community_watch.space": "community.watch",
    "community_watch.topic": "community.watch",
})

# Issue 14 point 4: keeping the community safe. A members-only space nobody in the matrix leads or moderates but
# admins; a held, a published and a hidden post by the target member; a safeguarding flag; the target stopped.
def safety_ids(app, enrolled):
    from copractice.community.safety_models import PostFlag, PostingStop
    from copractice.extensions import db
    from tests.community_safety_factory import make_post, make_space, make_topic

    with app.app_context():
        space = make_space(name="Matrix space")
        topic, shown = make_topic(space, enrolled)
        held = make_post(topic, enrolled, "Held", status="held")
        hidden = make_post(topic, enrolled, "Hidden", status="hidden")
        flag = PostFlag(post_id=shown.id, member_id=enrolled.id, reason="safeguarding")
        stop = PostingStop(member_id=enrolled.id, space_id=space.id, reason="Matrix")
        db.session.add_all([flag, stop])
        db.session.commit()
        return {"mod_space": space.slug, "shown_post": shown.id, "held_post": held.id, "hidden_post": hidden.id,
                "flag": flag.id, "stop": stop.id}


MATRIX_IDS.append(safety_ids)
MATRIX.update({
    "moderation.index": ("GET", "/community/moderation/", None, SIGNED_IN),
    "moderation.queue": ("GET", "/community/moderation/spaces/{mod_space}", None, only_admin()),
    "moderation.log": ("GET", "/community/moderation/spaces/{mod_space}/log", None, only_admin()),
    "moderation.approve": ("POST", "/community/posts/{held_post}/approve", {}, only_admin(302)),
    "moderation.reject": ("GET", "/community/posts/{held_post}/reject", None, only_admin()),
    "moderation.hide": ("GET", "/community/posts/{shown_post}/hide", None, only_admin()),
    "moderation.restore": ("POST", "/community/posts/{hidden_post}/restore", {}, only_admin(302)),
    "moderation.flag_post": ("GET", "/community/posts/{shown_post}/flag", None, SIGNED_IN),
    "moderation.flag": ("GET", "/community/moderation/flags/{flag}", None, only_admin()),
    "moderation.stop": ("GET", "/community/moderation/spaces/{mod_space}/members/{target}/stop", None, only_admin()),
    "moderation.end_stop": ("POST", "/community/moderation/stops/{stop}/end", {}, only_admin(302)),
    "moderation.set_under_18": ("POST", "/admin/members/{target}/under-18", {"under_18": "yes"}, only_admin(302)),
})
DECLARED_ACTIONS.update({"moderation.flag_post": "community.flag_posts"})


# Issue 15 point 5: the partnership map, for theme leads and admins (a named contact is personal data). The matrix's
# organisation is mapped to Cross-cutting, which the matrix's theme lead leads (tests/test_partnerships_map.py covers
# the lead of another theme).
def partnership_ids(app, enrolled):
    from copractice.extensions import db
    from copractice.meetings.organisation_models import Organisation, OrganisationArea, OrganisationTheme
    from copractice.timeutil import utcnow

    with app.app_context():
        org = Organisation(name="Matrix Partners", sector="voluntary", status="active", status_since=utcnow().date(),
                           area_rows=[OrganisationArea(area="kent")],
                           theme_rows=[OrganisationTheme(theme_slug="cross-cutting")])
        db.session.add(org)
        db.session.commit()
        return {"organisation": org.id}


MATRIX_IDS.append(partnership_ids)
MATRIX.update({
    "partnerships.index": ("GET", "/partnerships/", None, THEME_REPORTS),
    "partnerships.gaps": ("GET", "/partnerships/gaps", None, THEME_REPORTS),
    "partnerships.export": ("GET", "/partnerships/export.csv", None, THEME_REPORTS),
    "partnerships.organisation": ("GET", "/partnerships/{organisation}", None, THEME_REPORTS),
    "partnerships.new": ("GET", "/partnerships/new", None, MANAGERS),
    "partnerships.edit": ("GET", "/partnerships/{organisation}/edit", None, MANAGERS),
})


# Issue 15 point 1: groups and meetings. The matrix's group is invitation-only, of Cross-cutting (which the matrix's
# theme lead leads, so they run it, as admins do); the route's fresh member is its member; the trainee and the
# facilitator are not in it, so it is not theirs to see. Its meeting is under way (register and check-in open).
# tests/test_meetings_permissions.py walks every route for each part in a group (member, invited, chair, secretary,
# outsider, another theme's lead), and an open group.
def matrix_meetings(app, enrolled):
    from datetime import timedelta

    from copractice.extensions import db
    from copractice.meetings.models import Group, GroupMember, Meeting
    from copractice.timeutil import utcnow

    with app.app_context():
        n = db.session.scalar(db.select(db.func.count(Group.id))) + 1
        group = Group(slug=f"matrix-forum-{n}", name="Matrix forum", kind="forum", joining="invite",
                      theme_slug="cross-cutting")
        db.session.add(group)
        db.session.flush()
        db.session.add(GroupMember(group_id=group.id, member_id=enrolled.id, role="member", status="active"))
        start = utcnow() - timedelta(minutes=5)
        meeting = Meeting(group_id=group.id, title="Matrix meeting", starts_at=start, ends_at=start + timedelta(hours=2),
                          venue="Hall")
        db.session.add(meeting)
        db.session.commit()
        return {"group": group.slug, "meeting": meeting.id}


MATRIX_IDS.append(matrix_meetings)
MATRIX.update({
    "meetings.groups": ("GET", "/groups/", None, SIGNED_IN),
    "meetings.new_group": ("GET", "/groups/new", None, MANAGERS),
    "meetings.group": ("GET", "/groups/{group}", None, MANAGERS),
    "meetings.edit_group": ("GET", "/groups/{group}/edit", None, MANAGERS),
    "meetings.join": ("POST", "/groups/{group}/join", {}, MANAGERS_POST),  # refused (by invitation): back to the group
    "meetings.decline": ("POST", "/groups/{group}/decline", {}, MANAGERS_POST),
    "meetings.leave": ("POST", "/groups/{group}/leave", {}, MANAGERS_POST),
    # Nobody has that address: the group's page again, the error beside the field.
    "meetings.invite": ("POST", "/groups/{group}/invite", {"email": "nobody@example.org"}, MANAGERS),
    "meetings.set_role": ("POST", "/groups/{group}/people/{target}/role", {"role": "secretary"}, MANAGERS_POST),
    "meetings.remove": ("POST", "/groups/{group}/people/{target}/remove", {}, MANAGERS_POST),
    "meetings.group_ics": ("GET", "/groups/{group}/calendar.ics", None, MANAGERS),
    "meetings.attendance_export": ("GET", "/groups/{group}/attendance.csv", None, MANAGERS),
    "meetings.new_meeting": ("GET", "/groups/{group}/meetings/new", None, MANAGERS),
    "meetings.meeting": ("GET", "/groups/{group}/meetings/{meeting}", None, MANAGERS),
    "meetings.edit_meeting": ("GET", "/groups/{group}/meetings/{meeting}/edit", None, MANAGERS),
    "meetings.cancel_meeting": ("POST", "/groups/{group}/meetings/{meeting}/cancel", {}, MANAGERS_POST),
    "meetings.meeting_ics": ("GET", "/groups/{group}/meetings/{meeting}/calendar.ics", None, MANAGERS),
    "meetings.rsvp": ("GET", "/groups/{group}/meetings/{meeting}/rsvp", None, MANAGERS),
    "meetings.needs": ("GET", "/groups/{group}/meetings/{meeting}/needs", None, MANAGERS),
    "meetings.register": ("GET", "/groups/{group}/meetings/{meeting}/register", None, MANAGERS),
    "meetings.checkin_code": ("GET", "/groups/{group}/meetings/{meeting}/check-in-code", None, MANAGERS),
    "meetings.checkin_json": ("GET", "/groups/{group}/meetings/{meeting}/check-in-code.json", None, MANAGERS),
    "meetings.check_in": ("GET", "/groups/{group}/meetings/{meeting}/check-in", None, MANAGERS),
    # A member's private feed: the secret in the address is the key; a wrong one is not found, for everyone.
    "meetings.my_meetings_ics": ("GET", "/groups/calendar/not-a-real-calendar-token-at-all.ics", None,
                                 {r: 404 for r in ROLES}),
})


# Issue 15 points 2-4: a meeting's agenda, papers and minutes, a group's actions and its "you said, we did" log. The
# group belongs to Cross-cutting (the matrix's theme lead runs it) and nobody else in the matrix is in it; the
# route's fresh member owns its action (tests/test_agenda_services.py covers members, owners, chairs, secretaries).
def agenda_ids(app, enrolled):
    from datetime import timedelta

    from copractice.extensions import db
    from copractice.library.models import Resource
    from copractice.meetings import agenda, log, minutes
    from copractice.meetings.models import Group, GroupMember, Meeting
    from copractice.members.models import Member
    from copractice.timeutil import utcnow
    from tests.conftest import create_member

    with app.test_request_context():
        group = Group(slug=f"matrix-agenda-{enrolled.id}", name="Matrix forum", kind="forum",
                      theme_slug="cross-cutting", joining="invite")
        db.session.add(group)
        db.session.flush()
        chair = create_member(name="Matrix Chair")
        db.session.add_all([GroupMember(group_id=group.id, member_id=chair.id, role="chair", status="active"),
                            GroupMember(group_id=group.id, member_id=enrolled.id, role="member", status="active")])
        start = utcnow().replace(microsecond=0) + timedelta(days=20)
        first = Meeting(group_id=group.id, title="First", starts_at=start, ends_at=start + timedelta(hours=1))
        second = Meeting(group_id=group.id, title="Second", starts_at=start + timedelta(days=28),
                         ends_at=start + timedelta(days=28, hours=1))
        db.session.add_all([first, second])
        db.session.flush()
        chair = db.session.get(Member, chair.id)
        item = agenda.add_item(chair, first, title="Welcome")
        resource = db.session.scalar(db.select(Resource).where(Resource.status == "published").limit(1))
        paper = agenda.attach_library_paper(chair, item, resource)
        minutes.save_minutes(chair, item, "Said hello.")
        action = minutes.add_action(chair, item, description="Write up", owner_id=enrolled.id)
        entry = log.add_entry(chair, group, you_said="More buses", we_did="Moved the venue")
        db.session.commit()
        return {"agroup": group.slug, "gm1": first.id, "gm2": second.id, "gitem": item.id, "gpaper": paper.id,
                "gaction": action.id, "gentry": entry.id}


MATRIX_IDS.append(agenda_ids)
_GM = "/groups/{agroup}/meetings/{gm1}"
MATRIX.update({
    "agenda.agenda": ("GET", _GM + "/agenda", None, MANAGERS),
    "agenda.new_item": ("GET", _GM + "/agenda/new", None, MANAGERS),
    "agenda.edit_item": ("GET", _GM + "/agenda/{gitem}/edit", None, MANAGERS),
    "agenda.move_item": ("POST", _GM + "/agenda/{gitem}/up", {}, MANAGERS_POST),
    "agenda.remove_item": ("POST", _GM + "/agenda/{gitem}/remove", {}, MANAGERS_POST),
    "agenda.add_paper": ("GET", _GM + "/agenda/{gitem}/papers/new", None, MANAGERS),
    # Papers not yet sent: only those who run the group; a library paper opens the resource's page.
    "agenda.paper": ("GET", _GM + "/papers/{gpaper}", None, MANAGERS_POST),
    "agenda.remove_paper": ("POST", _GM + "/papers/{gpaper}/remove", {}, MANAGERS_POST),
    "agenda.send_papers": ("POST", _GM + "/papers/send", {}, MANAGERS_POST),
    "agenda.minutes": ("GET", _GM + "/agenda/{gitem}/minutes", None, MANAGERS),
    "agenda.approve_minutes": ("POST", "/groups/{agroup}/meetings/{gm2}/approve-minutes", {}, MANAGERS_POST),
    "agenda.actions": ("GET", "/groups/{agroup}/actions", None, MANAGERS),
    "agenda.action_status": ("POST", "/groups/{agroup}/actions/{gaction}/status", {"status": "done"}, MANAGERS_POST),
    "agenda.actions_csv": ("GET", "/groups/{agroup}/actions.csv", None, MANAGERS),
    "agenda.actions_xlsx": ("GET", "/groups/{agroup}/actions.xlsx", None, MANAGERS),
    "agenda.said_we_did": ("GET", "/groups/{agroup}/you-said-we-did", None, ALL),
    "agenda.new_log_entry": ("GET", "/groups/{agroup}/you-said-we-did/new", None, MANAGERS),
    "agenda.remove_log_entry": ("POST", "/groups/{agroup}/you-said-we-did/{gentry}/remove", {}, MANAGERS_POST),
})


# Issue 17 points 1-3: involvement. The matrix's opportunity is linked to the matrix course's session (of
# Cross-cutting, which the matrix's theme lead leads; the matrix's facilitator runs the course); the route's fresh
# member is interested in it, so "their" involvement is someone else's for everyone in the matrix (404).
# tests/test_involvement_pages.py covers the contributor's own pages, another theme's lead and a group's chair.
def involvement_ids(app, enrolled):
    from copractice.courses.models import Course, Session
    from copractice.extensions import db
    from copractice.involvement.models import Involvement, Opportunity

    with app.app_context():
        session = db.session.scalar(db.select(Session).join(Course).where(Course.theme_slug == "cross-cutting")
                                    .order_by(Session.id.desc()).limit(1))
        opp = Opportunity(title="Matrix co-facilitation", role="co_facilitator", description="Help",
                          expected_minutes=60, session_id=session.id, places=2, status="open",
                          theme_slug="cross-cutting")
        db.session.add(opp)
        db.session.flush()
        inv = Involvement(opportunity_id=opp.id, member_id=enrolled.id, status="interested",
                          payment_choice="not_offered")
        db.session.add(inv)
        db.session.commit()
        return {"opp": opp.id, "inv": inv.id}


MATRIX_IDS.append(involvement_ids)
NOT_THEIRS = {"anonymous": LOGIN, "trainee": 404, "facilitator": 404, "theme_lead": 404, "admin": 404}
MATRIX.update({
    "involvement.opportunities": ("GET", "/involvement/", None, SIGNED_IN),
    "involvement.opportunity": ("GET", "/involvement/{opp}", None, SIGNED_IN),
    "involvement.interest": ("POST", "/involvement/{opp}/interest", {}, SIGNED_IN_REDIRECT),
    "involvement.mine": ("GET", "/involvement/mine", None, SIGNED_IN),
    "involvement.choices": ("GET", "/involvement/mine/{inv}", None, NOT_THEIRS),
    "involvement.withdraw": ("POST", "/involvement/mine/{inv}/withdraw", {}, NOT_THEIRS),
    "involvement.organise": ("GET", "/involvement/organise", None, ORGANISERS),
    "involvement.new": ("GET", "/involvement/new", None, ORGANISERS),
    "involvement.manage": ("GET", "/involvement/{opp}/manage", None, RUNNERS),
    "involvement.decide": ("POST", "/involvement/{opp}/people/{inv}/selected", {}, RUNNERS_POST),
    "involvement.offer": ("POST", "/involvement/{opp}/people/{inv}/offer", {}, RUNNERS_POST),
    "involvement.rates_page": ("GET", "/involvement/rates", None, only_admin()),
})
DECLARED_ACTIONS.update({
    "involvement.opportunities": "involvement.view",
    "involvement.opportunity": "involvement.view",
    "involvement.interest": "involvement.express_interest",
    "involvement.mine": "involvement.mine",
    "involvement.choices": "involvement.choose",
    "involvement.withdraw": "involvement.choose",
})


# Issue 17 points 4, 5, 7, 8: claims for payment. The route's fresh member owns the claim (with a receipt), so every
# other member is told it is not there; admins handle claims (finance staff too: tests/test_involvement_claims_views.py).
def claims_ids(app, enrolled):
    from datetime import date

    from copractice.extensions import db
    from copractice.involvement.claims_models import Claim, ClaimExpense, FinanceBatch
    from copractice.library.storage import get_storage
    from tests.claims_factory import PNG

    with app.test_request_context():
        key = get_storage().save(PNG)
        claim = Claim(member_id=enrolled.id, source_key=f"session:matrix-{enrolled.id}", title="Matrix session",
                      activity="co_facilitator", activity_date=date(2026, 11, 30), minutes=120, rate_unit="hour",
                      rate_pence=2750, fee_pence=5500, payment_choice="accepted", status="submitted")
        claim.expenses.append(ClaimExpense(kind="travel", amount_pence=450, receipt_key=key, receipt_type="image/png",
                                           receipt_filename="ticket.png"))
        batch = FinanceBatch(number=f"CP-2026-M{enrolled.id}", claim_count=0, total_pence=0)
        db.session.add_all([claim, batch])
        db.session.commit()
        return {"claim": claim.id, "expense": claim.expenses[0].id, "batch": batch.id}


MATRIX_IDS.append(claims_ids)
CLAIM_NOT_THEIRS = {"anonymous": LOGIN, "trainee": 404, "facilitator": 404, "theme_lead": 404, "admin": 200}
CLAIM_NOT_THEIRS_POST = {**CLAIM_NOT_THEIRS, "admin": 302}  # admins may open it; the rule then refuses: back to the claim
MATRIX.update({
    "claims.my_claims": ("GET", "/claims/", None, SIGNED_IN),
    "claims.claim": ("GET", "/claims/{claim}", None, CLAIM_NOT_THEIRS),
    "claims.remove_expense": ("POST", "/claims/{claim}/expenses/{expense}/remove", {}, CLAIM_NOT_THEIRS_POST),
    "claims.answer": ("POST", "/claims/{claim}/answer", {"answer": "The number 6 bus."}, CLAIM_NOT_THEIRS_POST),
    "claims.receipt": ("GET", "/claims/receipts/{expense}", None, CLAIM_NOT_THEIRS),
    "claims.statement": ("GET", "/claims/statement/2026.pdf", None, SIGNED_IN),
    "claims.finance_claims": ("GET", "/finance/claims", None, only_admin()),
    "claims.approve": ("POST", "/finance/claims/{claim}/approve", {}, only_admin(302)),
    "claims.query": ("POST", "/finance/claims/{claim}/query", {"message": "Which bus?"}, only_admin(302)),
    "claims.export": ("POST", "/finance/batches", {}, only_admin(302)),
    "claims.batch": ("GET", "/finance/batches/{batch}", None, only_admin()),
    "claims.batch_csv": ("GET", "/finance/batches/{batch}.csv", None, only_admin()),
    "claims.batch_xlsx": ("GET", "/finance/batches/{batch}.xlsx", None, only_admin()),
    "claims.reports": ("GET", "/finance/reports", None, only_admin()),
    "claims.reports_csv": ("GET", "/finance/reports.csv", None, only_admin()),
    "claims.reports_xlsx": ("GET", "/finance/reports.xlsx", None, only_admin()),
    "claims.staff": ("GET", "/finance/staff", None, only_admin()),
    "claims.remove_staff": ("POST", "/finance/staff/{target}/remove", {}, only_admin(302)),
})
DECLARED_ACTIONS.update({
    "claims.my_claims": "claims.own", "claims.claim": "claims.own", "claims.remove_expense": "claims.own",
    "claims.answer": "claims.own", "claims.receipt": "claims.own", "claims.statement": "claims.own",
})


# Issue 16 points 6 and 7: the impact log, the yearly report, projects' GRIPP2 records, equality monitoring. The
# entry and the project belong to Cross-cutting (the matrix's theme lead leads it); the project's lead is the route's
# fresh member, so the trainee and the facilitator may not see it (tests/test_measurement_impact.py covers leads).
def impact_ids(app, enrolled):
    from copractice.extensions import db
    from copractice.measurement.impact_models import ImpactEntry, ImpactProject, ImpactProjectLead
    from copractice.timeutil import utcnow

    with app.app_context():
        entry = ImpactEntry(theme_slug="cross-cutting", what_changed="Easy Read invitations", for_whom="Carers",
                            evidence="", happened_on=utcnow().date())
        project = ImpactProject(name="Matrix project", theme_slug="cross-cutting",
                                leads=[ImpactProjectLead(member_id=enrolled.id)])
        db.session.add_all([entry, project])
        db.session.commit()
        return {"impact_entry": entry.id, "impact_project": project.id}


MATRIX_IDS.append(impact_ids)
MATRIX.update({
    "impact.log": ("GET", "/impact/", None, THEME_REPORTS),
    "impact.new_entry": ("GET", "/impact/new", None, MANAGERS),
    "impact.edit_entry": ("GET", "/impact/{impact_entry}/edit", None, MANAGERS),
    "impact.remove_entry": ("POST", "/impact/{impact_entry}/remove", {}, MANAGERS_POST),
    "impact.report": ("GET", "/impact/report", None, THEME_REPORTS),
    "impact.report_export": ("GET", "/impact/report.csv", None, THEME_REPORTS),
    "impact.projects": ("GET", "/impact/projects/", None, THEME_REPORTS),
    "impact.new_project": ("GET", "/impact/projects/new", None, MANAGERS),
    "impact.project": ("GET", "/impact/projects/{impact_project}", None, MANAGERS),
    "impact.edit_project": ("GET", "/impact/projects/{impact_project}/edit", None, MANAGERS),
    "impact.project_export": ("GET", "/impact/projects/{impact_project}/gripp2.md", None, MANAGERS),
    "impact.equality_form": ("GET", "/account/equality-monitoring", None, SIGNED_IN),
    "impact.equality_withdraw": ("POST", "/account/equality-monitoring/withdraw", {}, SIGNED_IN_REDIRECT),
    "impact.equality_report": ("GET", "/impact/equality", None, only_admin()),
    "impact.equality_export": ("GET", "/impact/equality.csv", None, only_admin()),
})
DECLARED_ACTIONS.update({
    "impact.equality_form": "account.equality",
    "impact.equality_withdraw": "account.equality",
})


# Issue 16 points 4-5: a team's self-assessment and its agreed standards. The team is a Cross-cutting group (the
# matrix's theme lead runs it, as admins do); the route's fresh member is its only member, so nobody in the matrix
# may rate in its open round. tests/test_measurement_access.py walks every route as member, chair, monitor and
# outsider.
def assessment_ids(app, enrolled):
    from copractice.extensions import db
    from copractice.measurement import assessment, standards
    from copractice.meetings.models import Group, GroupMember
    from copractice.members.models import Member
    from tests.conftest import create_member

    with app.test_request_context():
        group = Group(slug=f"matrix-assess-{enrolled.id}", name="Matrix team", kind="steering",
                      theme_slug="cross-cutting", joining="invite")
        db.session.add(group)
        db.session.flush()
        chair = create_member(name="Matrix Team Chair")
        db.session.add_all([GroupMember(group_id=group.id, member_id=chair.id, role="chair", status="active"),
                            GroupMember(group_id=group.id, member_id=enrolled.id, role="member", status="active")])
        db.session.flush()
        chair = db.session.get(Member, chair.id)
        round_ = assessment.open_round(chair, group, "Matrix round")
        standard = standards.add_standard(chair, group, title="Matrix standard")
        measure = standards.add_measure(chair, standard, title="Matrix measure", target=5)
        person = standards.add_person(chair, measure, part="designed", name="Pat", stakeholder_type="carer")
        db.session.commit()
        return {"sgroup": group.slug, "sround": round_.id, "sstandard": standard.id, "smeasure": measure.id,
                "sperson": person.id}


MATRIX_IDS.append(assessment_ids)
_SA = "/assessment/{sgroup}"
TEAM_MEMBERS_ONLY = {"anonymous": LOGIN, "trainee": 403, "facilitator": 403, "theme_lead": 403, "admin": 403}
MATRIX.update({
    "assessment.index": ("GET", "/assessment/", None, SIGNED_IN),
    "assessment.team": ("GET", _SA, None, MANAGERS),
    "assessment.new_round": ("GET", _SA + "/rounds/new", None, MANAGERS),
    "assessment.rate": ("GET", _SA + "/rounds/{sround}/rate", None, TEAM_MEMBERS_ONLY),
    "assessment.close": ("POST", _SA + "/rounds/{sround}/close", {}, MANAGERS_POST),
    "assessment.results": ("GET", _SA + "/rounds/{sround}", None, MANAGERS),
    "assessment.results_csv": ("GET", _SA + "/results.csv", None, MANAGERS),
    "assessment.results_xlsx": ("GET", _SA + "/results.xlsx", None, MANAGERS),
    "assessment.standards": ("GET", _SA + "/standards", None, MANAGERS),
    "assessment.new_standard": ("GET", _SA + "/standards/new", None, MANAGERS),
    "assessment.new_measure": ("GET", _SA + "/standards/{sstandard}/measures/new", None, MANAGERS),
    "assessment.measure": ("GET", _SA + "/measures/{smeasure}", None, MANAGERS),
    "assessment.add_person": ("POST", _SA + "/measures/{smeasure}/people",
                              {"person-part": "monitors", "person-name": "Sam", "person-stakeholder_type": "patient"},
                              MANAGERS_POST),
    "assessment.remove_person": ("POST", _SA + "/measures/{smeasure}/people/{sperson}/remove", {}, MANAGERS_POST),
    "assessment.standards_csv": ("GET", _SA + "/standards.csv", None, MANAGERS),
    "assessment.standards_xlsx": ("GET", _SA + "/standards.xlsx", None, MANAGERS),
})


# Issue 16 point 1: surveys. The matrix's surveys are training-needs surveys of Cross-cutting (which the matrix's
# theme lead leads): a draft one to build, and an open one to answer, whose invitation link is for someone without an
# account, so anyone may open it.
def survey_ids(app, enrolled):
    from copractice.extensions import db
    from copractice.measurement import surveys

    with app.test_request_context():
        draft = surveys.create_from_template(None, "training_needs", "cross-cutting")
        open_one = surveys.create_from_template(None, "training_needs", "cross-cutting")
        open_one.status = "open"
        db.session.flush()
        ids = {"survey": draft.id, "survey_section": draft.sections[-1].id, "survey_question": draft.questions[-1].id,
               "survey_open": open_one.id, "survey_token": surveys.invitation_token(open_one)}
        db.session.commit()
        return ids


MATRIX_IDS.append(survey_ids)
MATRIX.update({
    "surveys.index": ("GET", "/surveys/", None, SIGNED_IN),
    "surveys.answer": ("GET", "/surveys/{survey_open}", None, SIGNED_IN),
    "surveys.answer_by_link": ("GET", "/surveys/invitation/{survey_token}", None, ALL),
    "surveys.manage": ("GET", "/surveys/manage", None, MANAGERS),
    "surveys.build": ("GET", "/surveys/manage/{survey}", None, MANAGERS),
    "surveys.add_section": ("POST", "/surveys/manage/{survey}/sections", {"sec-section_title": "More"},
                            MANAGERS_POST),
    "surveys.add_question": ("POST", "/surveys/manage/{survey}/questions",
                             {"q-section": "{survey_section}", "q-kind": "short_text", "q-text": "Anything else?"},
                             MANAGERS_POST),
    "surveys.remove_question": ("POST", "/surveys/manage/{survey}/questions/{survey_question}/remove", {},
                                MANAGERS_POST),
    "surveys.set_status": ("POST", "/surveys/manage/{survey}/status", {"s-status": "open"}, MANAGERS_POST),
    "surveys.invitation": ("POST", "/surveys/manage/{survey}/invitation", {}, MANAGERS),
    "surveys.results": ("GET", "/surveys/manage/{survey}/results", None, MANAGERS),
    "surveys.export": ("GET", "/surveys/manage/{survey}/results.csv", None, MANAGERS),
    "surveys.needs_not_met": ("GET", "/surveys/needs-not-met", None, MANAGERS),
})


# Issue 16 point 3: course evaluation. The matrix's evaluated course is a Cross-cutting course with its before,
# after and follow-up surveys; the roles' members have no place on it, so its survey is refused to them (403).
def evaluation_ids(app, enrolled):
    from copractice.extensions import db
    from copractice.measurement import evaluation
    from copractice.testing import create_course

    with app.test_request_context():
        course = create_course(theme_slug="cross-cutting")
        evaluation.set_up(None, course)
        db.session.commit()
        return {"ecourse": course.id}


MATRIX_IDS.append(evaluation_ids)
NOT_ON_IT = {"anonymous": LOGIN, "trainee": 403, "facilitator": 403, "theme_lead": 403, "admin": 403}
MATRIX.update({
    "evaluation.answer": ("GET", "/evaluation/courses/{ecourse}/pre", None, NOT_ON_IT),
    "evaluation.mine": ("GET", "/evaluation/mine", None, SIGNED_IN),
    "evaluation.my_change": ("GET", "/evaluation/mine/{ecourse}", None, SIGNED_IN),
    "evaluation.course_report": ("GET", "/evaluation/manage/courses/{ecourse}", None, MANAGERS),
    "evaluation.set_up": ("POST", "/evaluation/manage/courses/{course}/set-up", {}, MANAGERS_POST),
    "evaluation.course_export": ("GET", "/evaluation/manage/courses/{ecourse}/report.csv", None, MANAGERS),
    "evaluation.themes": ("GET", "/evaluation/manage/themes", None, THEME_REPORTS),
    "evaluation.theme_report": ("GET", "/evaluation/manage/themes/{theme}", None, THEME_REPORTS),
    "evaluation.theme_export": ("GET", "/evaluation/manage/themes/{theme}/report.xlsx", None, THEME_REPORTS),
})
