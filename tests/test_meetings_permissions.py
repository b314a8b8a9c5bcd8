"""Every groups and meetings route for each part someone can have in a group (issue 15 point 8): a visitor, a member
of the site outside the group, someone invited, a member, the secretary, a chair, the lead of the group's theme, the
lead of another theme, an admin. The site-wide roles are in tests/test_permission_matrix.py."""
from datetime import timedelta

import pytest

from copractice.extensions import db
from tests.conftest import PASSWORD, create_member, csrf_from
from tests.meetings_factory import make_group, make_meeting

PARTS = ["anonymous", "outsider", "invited", "member", "secretary", "chair", "lead", "other_lead", "admin"]
LOGIN = 302


def statuses(ok, refused=403, **special):
    """{part: status}: ``ok`` for those it is designed for (named in ``special`` as True), ``refused`` for others."""
    out = {"anonymous": LOGIN}
    for part in PARTS[1:]:
        out[part] = ok if special.get(part) else refused
    return out


SEES = dict(invited=True, member=True, secretary=True, chair=True, lead=True, admin=True)
RUNS = dict(secretary=True, chair=True, lead=True, admin=True)
VIEW, RUN, RUN_POST = statuses(200, **SEES), statuses(200, **RUNS), statuses(302, **RUNS)
VIEW_POST = statuses(302, **SEES)  # done or refused with a message: back to the page either way

ROUTES = {
    "meetings.groups": ("GET", "/groups/", None, statuses(200, **{p: True for p in PARTS[1:]})),
    "meetings.new_group": ("GET", "/groups/new", None, statuses(200, lead=True, other_lead=True, admin=True)),
    "meetings.group": ("GET", "/groups/{g}", None, VIEW),
    "meetings.edit_group": ("GET", "/groups/{g}/edit", None, RUN),
    "meetings.join": ("POST", "/groups/{g}/join", {}, VIEW_POST),
    "meetings.decline": ("POST", "/groups/{g}/decline", {}, VIEW_POST),
    "meetings.leave": ("POST", "/groups/{g}/leave", {}, VIEW_POST),
    "meetings.invite": ("POST", "/groups/{g}/invite", {"email": "nobody@example.org"}, RUN),
    "meetings.set_role": ("POST", "/groups/{g}/people/{target}/role", {"role": "chair"}, RUN_POST),
    "meetings.remove": ("POST", "/groups/{g}/people/{target}/remove", {}, RUN_POST),
    "meetings.group_ics": ("GET", "/groups/{g}/calendar.ics", None, VIEW),
    "meetings.attendance_export": ("GET", "/groups/{g}/attendance.xlsx", None, RUN),
    "meetings.new_meeting": ("GET", "/groups/{g}/meetings/new", None, RUN),
    "meetings.meeting": ("GET", "/groups/{g}/meetings/{m}", None, VIEW),
    "meetings.edit_meeting": ("GET", "/groups/{g}/meetings/{m}/edit", None, RUN),
    "meetings.cancel_meeting": ("POST", "/groups/{g}/meetings/{m}/cancel", {}, RUN_POST),
    "meetings.meeting_ics": ("GET", "/groups/{g}/meetings/{m}/calendar.ics", None, VIEW),
    "meetings.rsvp": ("GET", "/groups/{g}/meetings/{m}/rsvp", None, VIEW),
    "meetings.needs": ("GET", "/groups/{g}/meetings/{m}/needs", None, RUN),
    "meetings.register": ("GET", "/groups/{g}/meetings/{m}/register", None, RUN),
    "meetings.checkin_code": ("GET", "/groups/{g}/meetings/{m}/check-in-code", None, RUN),
    "meetings.checkin_json": ("GET", "/groups/{g}/meetings/{m}/check-in-code.json", None, RUN),
    "meetings.check_in": ("GET", "/groups/{g}/meetings/{m}/check-in", None, VIEW),
    "meetings.my_meetings_ics": ("GET", "/groups/calendar/not-a-real-calendar-token-at-all.ics", None,
                                 {p: 404 for p in PARTS}),
}


def test_every_meetings_route_is_here(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("meetings.")}
    assert endpoints == set(ROUTES)


def fresh(app, part):
    """A Cross-cutting group by invitation with someone in each part, a member to act on and a meeting under way;
    returns (ids for the URLs, the email to sign in with or None)."""
    with app.app_context():
        people = {p: create_member(email=f"{p}-{next(COUNT)}@example.org") for p in PARTS[1:]}
        for p, themes in (("lead", ("cross-cutting",)), ("other_lead", ("dementia",))):
            people[p].role = "theme_lead"
            from copractice.members.models import ThemeLeadership
            people[p].leaderships.append(ThemeLeadership(theme_slug=themes[0]))
        people["admin"].role = "admin"
        target = create_member()
        group = make_group(people=[(people["invited"], "member", "invited"), (people["member"], "member", "active"),
                                   (people["secretary"], "secretary", "active"), (people["chair"], "chair", "active"),
                                   (target, "member", "active")])
        meeting = make_meeting(group, starts_in=timedelta(minutes=-5))
        db.session.commit()
        return {"g": group.slug, "m": meeting.id, "target": target.id}, (
            None if part == "anonymous" else people[part].email)


COUNT = iter(range(1, 10_000_000))


@pytest.mark.parametrize("part", PARTS)
def test_each_part_in_a_group_gets_the_designed_status(app, part):
    mismatches = []
    for endpoint, (method, url, data, designed) in ROUTES.items():
        ids, email = fresh(app, part)
        client = app.test_client()
        if email:
            from copractice.extensions import limiter
            with app.app_context():
                limiter.reset()
            token = csrf_from(client.get("/login").get_data(as_text=True))
            assert client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD}
                               ).status_code == 302
        url = url.format(**ids)
        if method == "POST":
            token = csrf_from(client.get("/password/forgot").get_data(as_text=True))
            response = client.post(url, data={"csrf_token": token, **(data or {})})
        else:
            response = client.get(url)
        if response.status_code != designed[part]:
            mismatches.append(f"{method} {url} ({endpoint}): {response.status_code}, designed {designed[part]}")
    assert mismatches == [], "\n".join(mismatches)


def test_an_open_group_is_seen_by_any_member_but_run_only_by_its_runners(app, client, login):
    with app.app_context():
        create_member(email="passer@example.org")
        group = make_group(joining="open")
        meeting = make_meeting(group, starts_in=timedelta(days=1))
        slug, meeting_id = group.slug, meeting.id
    login(client, "passer@example.org")
    assert client.get(f"/groups/{slug}").status_code == 200
    assert client.get(f"/groups/{slug}/meetings/{meeting_id}").status_code == 200
    for path in ("/edit", f"/meetings/{meeting_id}/register", f"/meetings/{meeting_id}/needs", "/attendance.csv"):
        assert client.get(f"/groups/{slug}{path}").status_code == 403, path
