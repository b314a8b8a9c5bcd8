"""Enrolment rules: places, the waiting list, offers that expire, organisers' changes and plugin rules."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from copractice.audit import AuditEntry
from copractice.courses import operations as ops
from copractice.courses.models import Enrolment
from copractice.extensions import db
from copractice.members.models import Member
from copractice.notifications.models import Notice
from copractice.timeutil import utcnow
from tests.factories_courses import create_course


@pytest.fixture
def ctx(app):
    """An app and request context, as a view has (operations build links with url_for)."""
    with app.test_request_context():
        yield app


def member(name=None, **kw):
    from tests.conftest import create_member

    return create_member(name=name, **kw)


def statuses(course):
    rows = db.session.scalars(select(Enrolment).where(Enrolment.course_id == course.id).order_by(Enrolment.id))
    return [(db.session.get(Member, e.member_id).name, e.status) for e in rows]


def places_taken(course):
    db.session.expire(course)
    return course.places_taken


def test_places_then_waiting_list_with_positions(ctx):
    course = create_course(capacity=2)
    people = [member(f"P{i}") for i in range(4)]
    results = [ops.enrol(p, course) for p in people]
    assert [r.status for r in results] == ["enrolled", "enrolled", "waiting", "waiting"]
    assert [ops.waiting_position(r) for r in results[2:]] == [1, 2]
    assert places_taken(course) == 2 and ops.waiting_count(course) == 2


def test_enrolling_twice_changes_nothing(ctx):
    course = create_course(capacity=3)
    p = member()
    first, second = ops.enrol(p, course), ops.enrol(p, course)
    assert first.id == second.id and places_taken(course) == 1
    assert db.session.query(Enrolment).count() == 1


def test_enrolment_window_and_status(ctx):
    now = utcnow()
    p = member()
    early = create_course(enrolment_opens_at=now + timedelta(days=2))
    late = create_course(enrolment_closes_at=now - timedelta(hours=1))
    draft = create_course(status="draft")
    with pytest.raises(ops.EnrolmentRefused, match="Enrolment opens on"):
        ops.enrol(p, early)
    with pytest.raises(ops.EnrolmentRefused, match="Enrolment closed on"):
        ops.enrol(p, late)
    with pytest.raises(ops.EnrolmentRefused, match="not open yet"):
        ops.enrol(p, draft)
    assert ops.enrol(p, early, now=now + timedelta(days=3)).status == "enrolled"


def test_cancelling_offers_the_place_to_the_first_person_waiting(ctx, mailbox):
    course = create_course(capacity=1)
    a, b, c = member("A"), member("B"), member("C")
    for p in (a, b, c):
        ops.enrol(p, course)
    now = utcnow()
    ops.cancel_place(a, course, now=now)
    assert statuses(course) == [("A", "cancelled"), ("B", "offered"), ("C", "waiting")]
    offer = ops.enrolment_of(b, course)
    assert offer.offer_expires_at == now + timedelta(hours=48)
    assert places_taken(course) == 1  # held for B while the offer lasts
    assert [m["Subject"] for m in mailbox.to(b.email)][-1].startswith("A place is free on")
    assert ops.accept_offer(b, course, now=now + timedelta(hours=47)).status == "enrolled"
    assert places_taken(course) == 1 and ops.waiting_position(ops.enrolment_of(c, course)) == 1


def test_offer_time_is_configurable(ctx):
    ctx.config["WAITLIST_OFFER_HOURS"] = 6
    course = create_course(capacity=1)
    a, b = member(), member()
    ops.enrol(a, course), ops.enrol(b, course)
    now = utcnow()
    ops.cancel_place(a, course, now=now)
    assert ops.enrolment_of(b, course).offer_expires_at == now + timedelta(hours=6)


def test_expired_offer_passes_to_the_next_person(ctx, mailbox):
    course = create_course(capacity=1)
    a, b, c = member("A"), member("B"), member("C")
    for p in (a, b, c):
        ops.enrol(p, course)
    now = utcnow()
    ops.cancel_place(a, course, now=now)
    later = now + timedelta(hours=49)
    with pytest.raises(ops.EnrolmentRefused, match="run out"):
        ops.accept_offer(b, course, now=later)
    assert statuses(course) == [("A", "cancelled"), ("B", "offer_expired"), ("C", "offered")]
    assert ops.expire_offers(now=later) == 0  # already done: nothing twice
    assert places_taken(course) == 1
    assert any(m["Subject"].startswith("Your offer of a place") for m in mailbox.to(b.email))


def test_declining_passes_the_offer_on_and_nobody_waiting_frees_the_place(ctx):
    course = create_course(capacity=1)
    a, b = member("A"), member("B")
    ops.enrol(a, course), ops.enrol(b, course)
    ops.cancel_place(a, course)
    ops.decline_offer(b, course)
    assert statuses(course) == [("A", "cancelled"), ("B", "offer_declined")]
    assert places_taken(course) == 0


def test_leaving_the_waiting_list_and_rejoining_goes_to_the_back(ctx):
    course = create_course(capacity=1)
    a, b, c = member(), member(), member()
    for p in (a, b, c):
        ops.enrol(p, course)
    ops.leave_waiting_list(b, course)
    assert ops.enrolment_of(b, course).status == "left_waitlist"
    again = ops.enrol(b, course)
    assert again.status == "waiting" and ops.waiting_position(again) == 2
    with pytest.raises(ops.EnrolmentRefused):
        ops.leave_waiting_list(a, course)  # a has a place, not a queue spot


def test_raising_capacity_offers_places_in_order(ctx):
    course = create_course(capacity=1)
    people = [member(f"P{i}") for i in range(4)]
    for p in people:
        ops.enrol(p, course)
    admin = member(role="admin")
    ops.save_course(admin, course, capacity=3)
    db.session.commit()
    assert [s for _, s in statuses(course)] == ["enrolled", "offered", "offered", "waiting"]
    assert places_taken(course) == 3


def test_organiser_adds_someone_by_hand_but_never_overbooks(ctx):
    closed = utcnow() - timedelta(days=1)
    course = create_course(capacity=1, enrolment_closes_at=closed)
    lead = member(role="theme_lead", themes=("cross-cutting",))
    a, b = member("A"), member("B")
    assert ops.enrol(a, course, organiser=lead, reason="Missed the deadline: agreed by phone").status == "enrolled"
    with pytest.raises(ops.EnrolmentRefused, match="The course is full"):
        ops.enrol(b, course, organiser=lead, reason="Asked at the door")
    assert ops.enrolment_of(b, course) is None and places_taken(course) == 1
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "enrolment.added_by_organiser"))
    assert entry.actor_id == lead.id and entry.reason == "Missed the deadline: agreed by phone"


def test_organiser_removes_someone_with_a_reason_and_the_place_passes_on(ctx, mailbox):
    course = create_course(capacity=1)
    a, b = member("A"), member("B")
    ops.enrol(a, course), ops.enrol(b, course)
    admin = member(role="admin")
    ops.remove_member(admin, ops.enrolment_of(a, course), "Duplicate booking")
    assert statuses(course) == [("A", "removed"), ("B", "offered")]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "enrolment.removed_by_organiser"))
    assert entry.reason == "Duplicate booking" and entry.before["status"] == "enrolled"
    assert mailbox.to(a.email)[-1]["Subject"].startswith("You no longer have a place")


def test_organiser_reorders_the_waiting_list_with_a_reason(ctx):
    course = create_course(capacity=1)
    people = [member(f"P{i}") for i in range(4)]
    for p in people:
        ops.enrol(p, course)
    admin = member(role="admin")
    last = ops.enrolment_of(people[3], course)
    ops.move_in_waiting_list(admin, last, -1, "Needs a place before starting a new job")
    ops.move_in_waiting_list(admin, ops.enrolment_of(people[3], course), -1, "Same")
    order = [db.session.get(Member, e.member_id).name for e in ops.waiting_list(course)]
    assert order == ["P3", "P1", "P2"]
    assert db.session.query(AuditEntry).filter_by(action="waiting_list.reordered").count() == 2
    ops.cancel_place(people[0], course)
    assert ops.enrolment_of(people[3], course).status == "offered"  # the new first in line


def test_in_app_notices_are_written_with_the_change(ctx):
    course = create_course(capacity=1)
    a, b = member(), member()
    ops.enrol(a, course), ops.enrol(b, course)
    kinds = lambda m: [n.kind for n in db.session.scalars(select(Notice).where(Notice.member_id == m.id))]  # noqa
    assert kinds(a) == ["enrolled"] and kinds(b) == ["waitlist_joined"]


def test_choice_for_each_state(ctx):
    from flask_login import AnonymousUserMixin

    course = create_course(capacity=1)
    a, b = member(), member()
    assert ops.choice_for(AnonymousUserMixin(), course).action == "login"
    assert ops.choice_for(a, course).action == "enrol"
    ops.enrol(a, course)
    assert ops.choice_for(a, course, ops.enrolment_of(a, course)).action == "cancel"
    assert ops.choice_for(b, course).action == "join_waitlist"
    ops.enrol(b, course)
    choice = ops.choice_for(b, course, ops.enrolment_of(b, course))
    assert (choice.action, choice.position) == ("leave_waitlist", 1)
    ops.cancel_place(a, course)
    assert ops.choice_for(b, course, ops.enrolment_of(b, course)).action == "accept_offer"
    closed = create_course(enrolment_closes_at=utcnow() - timedelta(days=1))
    choice = ops.choice_for(b, closed)
    assert choice.action == "closed" and choice.reason.startswith("Enrolment closed on")


class TestPluginRules:
    @pytest.fixture
    def app_settings(self):
        return {"EXTRA_PLUGINS": ["rules=tests.plugins.rules_plugin", "crashy=tests.plugins.raising_rule_plugin"]}

    def enable(self, runner, name):
        assert runner.invoke(args=["plugins", "enable", name]).exit_code == 0

    def test_a_plugin_rule_refuses_with_a_reason_the_member_sees(self, app, runner, client, auth, make_member):
        self.enable(runner, "rules")
        with app.app_context():
            slug = create_course().slug
        make_member(email="refused@example.org", name="Refused Person")
        auth.login("refused@example.org")
        page = client.get(f"/courses/{slug}").get_data(as_text=True)
        assert "only for people who have finished the introduction course" in page
        from tests.conftest import post_form

        response = post_form(client, f"/courses/{slug}/enrol", {}, page=f"/courses/{slug}", follow_redirects=True)
        assert "only for people who have finished the introduction course" in response.get_data(as_text=True)
        with app.app_context():
            assert db.session.query(Enrolment).count() == 0

    def test_a_crashing_rule_refuses_the_enrolment_and_is_logged(self, app, runner, caplog):
        self.enable(runner, "crashy")
        with app.test_request_context():
            course, p = create_course(), member()
            with pytest.raises(ops.EnrolmentRefused, match="could not check"):
                ops.enrol(p, course)
            assert db.session.query(Enrolment).count() == 0
        assert "enrolment check of plugin crashy failed" in caplog.text
        assert "safeguarding register is unreachable" in caplog.text

    def test_disabled_plugin_rules_do_not_apply(self, app):
        with app.test_request_context():
            assert ops.enrol(member("Refused Person"), create_course()).status == "enrolled"

    def test_hooks_see_course_saves_and_enrolment_changes(self, app, runner):
        from tests.plugins import rules_plugin

        self.enable(runner, "rules")
        rules_plugin.SEEN.clear()
        with app.test_request_context():
            admin = member(role="admin")
            course = ops.save_course(admin, None, title="Hooked", summary="s", theme_slug="cross-cutting",
                                     capacity=1, status="published")
            db.session.commit()
            a, b = member(), member()
            ops.enrol(a, course), ops.enrol(b, course), ops.cancel_place(a, course)
            a, b = a.id, b.id
        assert [
            ("course_saved", "hooked", True),
            ("enrolment_changed", a, None, "enrolled"),
            ("enrolment_changed", b, None, "waiting"),
            ("enrolment_changed", a, "enrolled", "cancelled"),
            ("enrolment_changed", b, "waiting", "offered"),
        ] == rules_plugin.SEEN
