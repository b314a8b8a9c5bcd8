"""Issue 14 point 7: mentoring and co-production buddies.

Offers and requests (one still open per member and kind), suggestions (the rule, its exclusions and a query count
that does not grow with the number of offers), sending, accepting and declining with notices and email to the
other side, capacity that holds when two acceptances come at once (threads, on SQLite and PostgreSQL), young
people only with young people, the report for admins and theme leads, erasure and export, and the pages under
attack (someone else's request, no CSRF token, bad input).
"""
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from copractice.community import mentoring as ops
from copractice.community.mentoring_models import MentorDecline, MentorOffer, MentorRequest
from copractice.errors import Refused
from copractice.extensions import db
from copractice.members.models import Member
from copractice.notifications.models import Notice
from copractice.testing import log_in
from copractice.timeutil import utcnow
from tests.concurrency_helpers import at_once
from tests.conftest import create_member, csrf_from, post_form
from tests.query_budget import counted_queries


@pytest.fixture
def app_settings():
    # A pool big enough for every thread of the concurrency test to hold a connection at once.
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 0}}


@pytest.fixture
def themes_on(app, enable_plugin):
    """Three themes: Cross-cutting (core), Living with Dementia and Social care (their plugins switched on)."""
    enable_plugin("dementia")
    enable_plugin("social_care")


@pytest.fixture
def ctx(app, themes_on):
    with app.test_request_context():
        yield
        db.session.remove()


def member(**fields):
    return create_member(**fields)


def offer(person, kind="mentor", themes=("dementia",), area="kent", capacity=1, **fields):
    made = ops.save_offer(person, kind, themes=list(themes), area=area, capacity=capacity, **fields)
    db.session.commit()
    return made


def request_for(person, kind="mentor", themes=("dementia",), area="kent", hopes="Help to prepare for my first panel"):
    made = ops.ask(person, kind, themes=list(themes), area=area, hopes=hopes)
    db.session.commit()
    return made


def signed_in(app, email):
    """A new client (a browser of its own) signed in as ``email``."""
    client = app.test_client()
    log_in(client, email)
    return client


def names(suggested):
    return [s.member.name for s in suggested]


# -- offers and requests --------------------------------------------------------------------------------------

def test_one_offer_per_member_and_kind_changed_in_place(ctx):
    mentor = member()
    first = offer(mentor, themes=("dementia",), capacity=1)
    again = offer(mentor, themes=("dementia", "social-care"), capacity=3, experience="Ten years on panels",
                  experience_tags=["carer"])
    assert again.id == first.id and again.capacity == 3 and again.theme_slugs == ["dementia", "social-care"]
    offer(mentor, kind="buddy")  # a buddy offer is another kind: a second row
    assert db.session.scalar(select(func.count(MentorOffer.id)).where(MentorOffer.member_id == mentor.id)) == 2
    assert ops.withdraw_offer(mentor, "mentor") and not ops.withdraw_offer(mentor, "mentor")
    db.session.commit()
    assert ops.offer_of(mentor, "mentor").status == "withdrawn"


def test_offer_details_are_checked(ctx):
    mentor = member()
    for bad in ({"themes": []}, {"themes": ["no-such-theme"]}, {"area": "atlantis"}, {"capacity": 11},
                {"capacity": -1}, {"experience_tags": ["wizard"]}):
        with pytest.raises(Refused):
            ops.save_offer(mentor, "mentor", **{"themes": ["dementia"], "area": "kent", "capacity": 1, **bad})
    with pytest.raises(Refused):
        ops.save_offer(mentor, "guru", themes=["dementia"])


def test_one_request_still_looking_per_member_and_kind(ctx):
    asker = member()
    first = request_for(asker)
    with pytest.raises(Refused, match="already have a request"):
        ops.ask(asker, "mentor", themes=["dementia"], hopes="Again")
    request_for(asker, kind="buddy")  # another kind is fine
    # The database itself refuses a second request still looking (two tabs at once get past the check above).
    db.session.add(MentorRequest(member_id=asker.id, kind="mentor", status="open", open_kind="mentor", hopes="x"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert ops.withdraw_request(asker, db.session.get(MentorRequest, first.id))
    db.session.commit()
    assert request_for(asker).id != first.id  # after withdrawing, a new one
    with pytest.raises(Refused, match="hope"):
        ops.ask(member(), "mentor", themes=["dementia"], hopes="   ")


# -- suggestions -------------------------------------------------------------------------------------------------

def test_suggestions_follow_the_rule_and_leave_out_who_they_must(ctx):
    asker = member(name="Asha Asker", area="kent")
    best = member(name="Two themes same area", area="kent")
    offer(best, themes=("dementia", "social-care"), area="kent")
    one_theme = member(name="One theme elsewhere")
    offer(one_theme, themes=("dementia",), area="surrey", capacity=3)
    one_theme_here = member(name="One theme same area")
    offer(one_theme_here, themes=("dementia",), area="kent")
    offer(member(name="No shared theme"), themes=("cross-cutting",), area="kent")
    full = member(name="At capacity")
    offer(full, themes=("dementia",))
    db.session.execute(MentorOffer.__table__.update().where(MentorOffer.member_id == full.id).values(active_pairs=1))
    offer(member(name="Paused"), themes=("dementia",), capacity=0)
    offer(member(name="Switched off", active=False), themes=("dementia",))
    erased = member(name="Erased")
    offer(erased, themes=("dementia",))
    erased.erased_at = utcnow()
    offer(member(name="Young person", under_18=True), themes=("dementia",))
    offer(member(name="Buddy only"), kind="buddy", themes=("dementia",))
    withdrawn = member(name="Withdrawn")
    offer(withdrawn, themes=("dementia",))
    ops.withdraw_offer(withdrawn, "mentor")
    offer(asker, themes=("dementia",))  # never yourself
    db.session.commit()
    req = request_for(asker, themes=("dementia", "social-care"), area="kent")

    suggested = ops.suggestions(req)
    assert names(suggested) == ["Two themes same area", "One theme same area", "One theme elsewhere"]
    assert [s.points for s in suggested] == [2 * 2 + 1, 2 + 1, 2]
    assert suggested[0].shared_themes == ["dementia", "social-care"] and suggested[0].same_area

    # Someone who said no to this request is not suggested for it again.
    ops.send(asker, req, suggested[0].offer.id)
    db.session.commit()
    ops.decline(best, db.session.get(MentorRequest, req.id), "Too busy this month")
    db.session.commit()
    assert names(ops.suggestions(db.session.get(MentorRequest, req.id))) == [
        "One theme same area", "One theme elsewhere"]


def test_equal_points_go_to_more_room_then_who_offered_first(ctx):
    asker = member()
    early = member(name="Early")
    offer(early, area=None)
    roomy = member(name="Roomy")
    offer(roomy, area=None, capacity=4)
    late = member(name="Late")
    offer(late, area=None)
    db.session.execute(MentorOffer.__table__.update().where(MentorOffer.member_id == late.id)
                       .values(created_at=utcnow() + timedelta(days=1)))
    db.session.commit()
    assert names(ops.suggestions(request_for(asker))) == ["Roomy", "Early", "Late"]


def test_buddies_score_a_different_point_of_view_mentors_do_not(ctx):
    asker = member(stakeholder_type="carer")
    same = member(name="Another carer", stakeholder_type="carer")
    other = member(name="A researcher", stakeholder_type="researcher")
    for person in (same, other):
        offer(person, kind="buddy", area=None)
        offer(person, kind="mentor", area=None)
    buddies = ops.suggestions(request_for(asker, kind="buddy", area=None))
    assert names(buddies) == ["A researcher", "Another carer"]
    assert [(s.points, s.other_view) for s in buddies] == [(3, True), (2, False)]
    mentors = ops.suggestions(request_for(asker, kind="mentor", area=None))
    assert [(s.points, s.other_view) for s in mentors] == [(2, False), (2, False)]


def test_suggestions_take_the_same_queries_whatever_the_number_of_offers(app, ctx):
    asker = member()
    req = request_for(asker)

    def queries_with(n):
        for _ in range(n):
            offer(member(), themes=("dementia", "social-care"))
        db.session.expire_all()
        found = db.session.get(MentorRequest, req.id)
        _ = found.member, found.theme_slugs
        with counted_queries(app) as statements:
            suggested = ops.suggestions(found)
        return len(suggested), len(statements)

    few, many = queries_with(3), queries_with(30)
    # The ranked offers with their members, then their themes (and the members' theme leaderships, always loaded).
    assert few == (3, 3)
    assert many == (ops.MAX_SUGGESTIONS, 3)


# -- sending, answering, ending ----------------------------------------------------------------------------------

def test_a_match_accepted_tells_each_side_at_each_step(ctx, sent_mail):
    asker = member(name="Asha Asker", email="asha@example.org")
    mentor = member(name="Mo Mentor", email="mo@example.org")
    offer(mentor, capacity=2)
    req = request_for(asker)
    ops.send(asker, req, ops.suggestions(req)[0].offer.id)
    db.session.commit()
    assert (req.status, req.mentor_id) == ("asked", mentor.id)
    link = f"http://localhost/mentoring/requests/{req.id}"
    [asked] = sent_mail.to("mo@example.org")
    assert asked["Subject"] == "Asha Asker asks you to be their mentor"
    assert link in sent_mail.body(asked) and "Help to prepare for my first panel" in sent_mail.body(asked)
    assert db.session.scalar(select(Notice.link).where(Notice.member_id == mentor.id,
                                                       Notice.kind == "mentoring_asked")) == link

    ops.accept(mentor, req, "Happy to help. Let's meet on Tuesday.")
    db.session.commit()
    assert (req.status, req.open_kind, req.answer_message) == ("active", None, "Happy to help. Let's meet on Tuesday.")
    assert ops.offer_of(mentor, "mentor").active_pairs == 1
    [accepted] = sent_mail.to("asha@example.org")
    assert accepted["Subject"] == "Mo Mentor said yes: they are your mentor"
    assert "Let's meet on Tuesday." in sent_mail.body(accepted) and link in sent_mail.body(accepted)

    ops.end_pair(mentor, req, "Moving away")
    db.session.commit()
    assert (req.status, req.ended_by_id) == ("ended", mentor.id)
    assert ops.offer_of(mentor, "mentor").active_pairs == 0
    ended = sent_mail.to("asha@example.org")[-1]
    assert ended["Subject"] == "Your mentor pair has ended" and "Moving away" in sent_mail.body(ended)
    with pytest.raises(Refused):
        ops.end_pair(asker, req)  # already ended


def test_a_decline_reopens_the_request_and_says_why(ctx, sent_mail):
    asker = member(email="asha@example.org")
    mentor = member(name="Mo Mentor")
    offer(mentor)
    req = request_for(asker)
    ops.send(asker, req, ops.suggestions(req)[0].offer.id)
    db.session.commit()
    ops.decline(mentor, req, "I am away until March")
    db.session.commit()
    assert (req.status, req.mentor_id, req.open_kind) == ("open", None, "mentor")
    assert db.session.scalar(select(MentorDecline.message).where(MentorDecline.request_id == req.id)) == \
        "I am away until March"
    [declined] = sent_mail.to("asha@example.org")
    assert "cannot be your mentor" in declined["Subject"] and "I am away until March" in sent_mail.body(declined)
    with pytest.raises(Refused):
        ops.accept(mentor, req)  # no longer theirs to answer


def test_the_asker_withdrawing_tells_the_person_asked(ctx, sent_mail):
    asker = member(name="Asha Asker")
    mentor = member(email="mo@example.org")
    offer(mentor)
    req = request_for(asker)
    ops.send(asker, req, ops.suggestions(req)[0].offer.id)
    db.session.commit()
    assert ops.withdraw_request(asker, req)
    db.session.commit()
    assert req.status == "withdrawn"
    assert sent_mail.to("mo@example.org")[-1]["Subject"] == "A request for a mentor was withdrawn"
    with pytest.raises(Refused):
        ops.accept(mentor, req)


def test_sending_only_to_someone_suggested(ctx):
    asker = member()
    stranger = member()
    no_theme = member()
    offer(no_theme, themes=("cross-cutting",))
    req = request_for(asker)
    with pytest.raises(Refused, match="cannot take this request"):
        ops.send(asker, req, ops.offer_of(no_theme, "mentor").id)
    with pytest.raises(Refused, match="Only the person who asked"):
        ops.send(stranger, req, ops.offer_of(no_theme, "mentor").id)
    assert req.status == "open"


def test_capacity_is_never_passed(ctx):
    mentor = member()
    offer(mentor, capacity=1)
    first, second = request_for(member()), request_for(member())
    for req in (first, second):
        ops.send(req.member, req, ops.offer_of(mentor, "mentor").id)
    db.session.commit()
    ops.accept(mentor, first)
    db.session.commit()
    with pytest.raises(Refused, match="no room"):
        ops.accept(mentor, second)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(MentorRequest, second.id).status == "asked"  # the refusal undid its own work only
    assert ops.offer_of(mentor, "mentor").active_pairs == 1
    assert ops.suggestions(request_for(member())) == []  # full: no longer suggested


def test_a_request_withdrawn_while_the_answer_is_on_its_way_is_refused_and_gives_the_place_back(ctx):
    """The page showed "asked"; the asker withdrew before the acceptance arrived: the acceptance is refused and
    the place it had taken is given back (the savepoint), nothing else undone."""
    mentor = member()
    offer(mentor)
    req = request_for(member())
    ops.send(req.member, req, ops.offer_of(mentor, "mentor").id)
    db.session.commit()
    assert req.status == "asked"  # loaded as the page saw it
    db.session.execute(MentorRequest.__table__.update().where(MentorRequest.id == req.id)
                       .values(status="withdrawn", open_kind=None))  # meanwhile, elsewhere
    with pytest.raises(Refused, match="not waiting for your answer any more"):
        ops.accept(mentor, req)
    db.session.commit()
    db.session.expire_all()
    assert ops.offer_of(mentor, "mentor").active_pairs == 0
    assert db.session.get(MentorRequest, req.id).status == "withdrawn"


def test_two_acceptances_at_once_never_pass_capacity(app, themes_on):
    """Four people asked the same mentor (capacity 2); the mentor's four acceptances arrive at one moment."""
    with app.test_request_context():
        mentor = member()
        offer(mentor, capacity=2)
        offer_id = ops.offer_of(mentor, "mentor").id
        request_ids = []
        for _ in range(4):
            req = request_for(member())
            ops.send(req.member, req, offer_id)
            db.session.commit()
            request_ids.append(req.id)
        mentor_id = mentor.id
        db.session.remove()

    def accept(request_id):
        def call():
            try:
                ops.accept(db.session.get(Member, mentor_id), db.session.get(MentorRequest, request_id))
            except Refused:
                return "refused"
            return "accepted"
        return call

    results = at_once(app, [accept(r) for r in request_ids])
    assert sorted(results) == ["accepted", "accepted", "refused", "refused"]
    with app.app_context():
        assert db.session.get(MentorOffer, offer_id).active_pairs == 2
        assert db.session.scalar(select(func.count(MentorRequest.id)).where(
            MentorRequest.mentor_id == mentor_id, MentorRequest.status == "active")) == 2


# -- young people --------------------------------------------------------------------------------------------------

def test_young_people_are_only_matched_with_young_people(ctx):
    adult_mentor = member(name="Adult")
    young_buddy = member(name="Young buddy", under_18=True)
    for person in (adult_mentor, young_buddy):
        offer(person, kind="buddy")
    young = member(under_18=True)
    adult = member()
    assert names(ops.suggestions(request_for(young, kind="buddy"))) == ["Young buddy"]
    assert names(ops.suggestions(request_for(adult, kind="buddy"))) == ["Adult"]


def test_accepting_rechecks_the_age_rule(ctx):
    """Someone marked under 18 after the request was sent cannot accept an adult's request."""
    asker = member()
    mentor = member()
    offer(mentor)
    req = request_for(asker)
    ops.send(asker, req, ops.suggestions(req)[0].offer.id)
    mentor.under_18 = True
    db.session.commit()
    with pytest.raises(Refused, match="young people"):
        ops.accept(mentor, req)
    assert ops.offer_of(mentor, "mentor").active_pairs == 0


def test_young_people_rule_is_asked_in_one_place(ctx, monkeypatch):
    """Suggestions ask ``_is_young`` (so safety's rule can replace it), not only the column."""
    asker = member()
    offer(member(name="Counted young by a stricter rule"), area=None)
    offer(member(name="Adult"), area=None)
    monkeypatch.setattr(ops, "_is_young", lambda person: person.name == "Counted young by a stricter rule")
    assert names(ops.suggestions(request_for(asker))) == ["Adult"]


# -- the report ----------------------------------------------------------------------------------------------------

def report_world():
    """A dementia pair in Kent, a social-care request waiting in Surrey for 3 days; returns the people."""
    mentor = member(name="Mo Mentor")
    offer(mentor, themes=("dementia",))
    paired = request_for(member(name="Paired Person"), themes=("dementia",), area="kent")
    ops.send(paired.member, paired, ops.offer_of(mentor, "mentor").id)
    ops.accept(mentor, paired)
    waiting = request_for(member(name="Waiting Person"), themes=("social-care",), area="surrey")
    waiting.created_at = utcnow() - timedelta(days=3, hours=1)
    db.session.commit()
    return mentor


def test_report_filters_by_theme_and_area(ctx):
    report_world()
    everything = ops.report(ops.ReportFilters())
    assert [r.member.name for r in everything.pairs] == ["Paired Person"]
    assert [(r.member.name, ops.waited_days(r)) for r in everything.waiting] == [("Waiting Person", 3)]
    dementia = ops.report(ops.ReportFilters(theme="dementia"))
    assert (len(dementia.pairs), len(dementia.waiting)) == (1, 0)
    surrey = ops.report(ops.ReportFilters(area="surrey"))
    assert (len(surrey.pairs), len(surrey.waiting)) == (0, 1)
    lead = ops.report(ops.ReportFilters(themes_allowed=("social-care",)))
    assert (len(lead.pairs), len(lead.waiting)) == (0, 1)
    assert ops.report(ops.ReportFilters(themes_allowed=())).waiting == []


def test_report_page_for_admins_and_theme_leads_with_csv(app, client, themes_on):
    with app.test_request_context():
        report_world()
        member(role="admin", email="admin@example.org")
        member(role="theme_lead", themes=("social-care",), email="lead@example.org")
        member(email="trainee@example.org")
    assert signed_in(app, "trainee@example.org").get("/mentoring/report").status_code == 403
    client = signed_in(app, "lead@example.org")
    page = client.get("/mentoring/report").get_data(as_text=True)
    assert "Waiting Person" in page and "Paired Person" not in page  # only the themes they lead
    assert client.get("/mentoring/report?theme=dementia").status_code == 200  # not theirs: an error, no rows
    assert "Paired Person" not in client.get("/mentoring/report?theme=dementia").get_data(as_text=True)
    client = signed_in(app, "admin@example.org")
    page = client.get("/mentoring/report").get_data(as_text=True)
    assert "Paired Person" in page and "Mo Mentor" in page and "Waiting Person" in page
    assert "Waiting Person" not in client.get("/mentoring/report?area=kent").get_data(as_text=True)
    csv = client.get("/mentoring/report?format=csv&theme=social-care")
    assert csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).strip().splitlines()
    assert lines[0].startswith("Status,Kind,Asked by") and len(lines) == 2 and "Waiting Person" in lines[1]
    assert ",3," in lines[1]  # days waiting
    bad = client.get("/mentoring/report?theme=nonsense&area=%00")
    assert bad.status_code in (200, 400) and b"Traceback" not in bad.data


def test_report_and_request_pages_keep_a_query_budget(app, client, themes_on):
    from tests.query_budget import queries_for

    with app.test_request_context():
        member(role="admin", email="admin@example.org")
    client = signed_in(app, "admin@example.org")

    def add(n):
        with app.test_request_context():
            for _ in range(n):
                report_world()

    add(1)
    _, few = queries_for(app, client, "/mentoring/report")
    add(8)
    status, many = queries_for(app, client, "/mentoring/report")
    assert status == 200 and many == few <= 12

    # The asker's request page with its suggestions, and their mentoring page.
    with app.test_request_context():
        req = request_for(member(email="asker@example.org"))
        request_id = req.id
    asker = signed_in(app, "asker@example.org")

    def offers(n):
        with app.test_request_context():
            for _ in range(n):
                offer(member(), themes=("dementia", "social-care"))

    offers(2)
    _, request_few = queries_for(app, asker, f"/mentoring/requests/{request_id}")
    _, index_few = queries_for(app, asker, "/mentoring/")
    offers(20)
    status, request_many = queries_for(app, asker, f"/mentoring/requests/{request_id}")
    assert status == 200 and request_many == request_few <= 12
    assert queries_for(app, asker, "/mentoring/") == (200, index_few)


# -- erasure and export ----------------------------------------------------------------------------------------------

def test_erasing_a_member_ends_and_removes_their_mentoring(ctx, sent_mail):
    from copractice.members.data_rights import erase_member

    leaving = member(name="Lee Leaving")
    offer(leaving, capacity=2)
    offer(leaving, kind="buddy")
    mentee = member(email="mentee@example.org")
    paired = request_for(mentee)
    ops.send(mentee, paired, ops.offer_of(leaving, "mentor").id)
    ops.accept(leaving, paired)
    waiting_on_them = request_for(member(), kind="buddy")
    ops.send(waiting_on_them.member, waiting_on_them, ops.offer_of(leaving, "buddy").id)
    other_mentor = member(email="other@example.org")
    offer(other_mentor)
    own = request_for(leaving, themes=("dementia",))
    ops.send(leaving, own, ops.offer_of(other_mentor, "mentor").id)
    db.session.commit()
    own_id = own.id

    erase_member(leaving)
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalar(select(func.count(MentorOffer.id)).where(MentorOffer.member_id == leaving.id)) == 0
    assert db.session.get(MentorRequest, own_id) is None
    paired, waiting_on_them = db.session.get(MentorRequest, paired.id), db.session.get(MentorRequest, waiting_on_them.id)
    assert (paired.status, paired.mentor_id) == ("ended", None)
    assert (waiting_on_them.status, waiting_on_them.mentor_id) == ("open", None)  # can ask someone else
    assert sent_mail.to("mentee@example.org")[-1]["Subject"] == "Your mentor pair has ended"
    assert sent_mail.to("other@example.org")[-1]["Subject"] == "A request for a mentor was withdrawn"
    # The notice that named them ("Lee Leaving asks you to be their mentor") no longer does.
    messages = db.session.scalars(select(Notice.message).where(Notice.member_id == other_mentor.id)).all()
    assert "Former member asks you to be their mentor" in messages and not any("Lee" in m for m in messages)
    for column in (MentorRequest.member_id, MentorRequest.mentor_id, MentorRequest.ended_by_id):
        assert db.session.scalar(select(func.count()).where(column == leaving.id)) == 0
    assert db.session.scalar(select(func.count(MentorDecline.id)).where(MentorDecline.mentor_id == leaving.id)) == 0


def test_the_export_holds_their_mentoring(app, client, themes_on):
    with app.test_request_context():
        me = member(email="me@example.org")
        offer(me, experience="Ten years on research panels", experience_tags=["carer"])
        req = request_for(me, kind="buddy", hopes="A buddy to learn alongside")
        asker = member(name="Asha Asker")
        theirs = request_for(asker)
        ops.send(asker, theirs, ops.offer_of(me, "mentor").id)
        ops.decline(me, theirs, "Not this month")
        db.session.commit()
        assert req.id
    client = signed_in(app, "me@example.org")
    data = json.loads(client.get("/account/data.json").data)["mentoring"]
    assert data["offers"][0]["experience"] == "Ten years on research panels"
    assert data["requests"][0]["hopes"] == "A buddy to learn alongside"
    assert data["declined"] == [{"kind": "mentor", "asked_by": "Asha Asker", "your_message": "Not this month",
                                 "at": data["declined"][0]["at"]}]
    page = client.get("/account/data").get_data(as_text=True)  # the same in plain words
    assert "Ten years on research panels" in page and "A buddy to learn alongside" in page and "Not this month" in page


# -- the pages, and attacks on them -----------------------------------------------------------------------------------

@pytest.fixture
def asked(app, themes_on):
    """An asker, a mentor, a stranger and an admin; the request sent to the mentor. Returns ids and emails."""
    with app.test_request_context():
        asker = member(email="asker@example.org", name="Asha Asker")
        mentor = member(email="mentor@example.org", name="Mo Mentor")
        member(email="stranger@example.org")
        member(email="admin@example.org", role="admin")
        offer(mentor)
        req = request_for(asker)
        ops.send(asker, req, ops.suggestions(req)[0].offer.id)
        db.session.commit()
        return req.id


def status_of(app, request_id):
    with app.app_context():
        return db.session.get(MentorRequest, request_id).status


def test_only_the_two_people_see_a_request(app, client, asked):
    url = f"/mentoring/requests/{asked}"
    for email, status in (("asker@example.org", 200), ("mentor@example.org", 200), ("stranger@example.org", 404),
                          ("admin@example.org", 404)):
        assert signed_in(app, email).get(url).status_code == status, email


def test_accepting_someone_elses_request_is_refused(app, client, asked):
    url = f"/mentoring/requests/{asked}/answer"
    client = signed_in(app, "stranger@example.org")
    assert post_form(client, url, {"decision": "accept"}, page="/mentoring/").status_code == 404
    client = signed_in(app, "asker@example.org")  # sees the request, but it is not theirs to answer
    assert post_form(client, url, {"decision": "accept"}, page="/mentoring/").status_code == 403
    assert post_form(client, f"/mentoring/requests/{asked}/end", {}, page="/mentoring/").status_code == 403
    client = signed_in(app, "mentor@example.org")  # nor theirs to withdraw or send
    assert post_form(client, f"/mentoring/requests/{asked}/withdraw", {}, page="/mentoring/").status_code == 403
    assert status_of(app, asked) == "asked"


def test_no_csrf_token_changes_nothing(app, client, asked):
    client = signed_in(app, "mentor@example.org")
    response = client.post(f"/mentoring/requests/{asked}/answer", data={"decision": "accept"})
    assert response.status_code == 400
    assert status_of(app, asked) == "asked"
    assert client.post("/mentoring/offer/mentor", data={"themes": "dementia", "capacity": "0"}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(MentorOffer.capacity)) == 1


def test_bad_input_is_shown_beside_the_fields_never_a_500(app, client, asked):
    client = signed_in(app, "mentor@example.org")
    page = post_form(client, "/mentoring/offer/mentor", {"themes": "no-such-theme", "capacity": "lots",
                                                         "area": "atlantis", "experience": "x" * 5000})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "There is a problem" in html
    assert "Enter how many people at once" in html and "Use 1,000 characters or fewer." in html
    page = post_form(client, "/mentoring/offer/mentor", {"capacity": "3"})
    assert "Choose at least one theme." in page.get_data(as_text=True)
    page = post_form(client, "/mentoring/offer/mentor", {"themes": "dementia", "capacity": "99"})
    assert "Enter a number from 0 to 10." in page.get_data(as_text=True)
    answer = post_form(client, f"/mentoring/requests/{asked}/answer", {"decision": "maybe", "message": "y" * 5000},
                       page=f"/mentoring/requests/{asked}")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Not a valid choice" in html and "Use 1,000 characters" in html
    assert status_of(app, asked) == "asked"
    client = signed_in(app, "stranger@example.org")
    page = post_form(client, "/mentoring/ask/buddy", {"themes": "dementia", "hopes": ""})
    assert "Say what you hope for." in page.get_data(as_text=True)
    client = signed_in(app, "asker@example.org")
    sent = post_form(client, f"/mentoring/requests/{asked}/send", {"offer_id": "not-a-number"},
                     page=f"/mentoring/requests/{asked}")
    assert sent.status_code == 302
    assert client.get("/mentoring/requests/99999999999999999999").status_code == 404
    assert client.get("/mentoring/offer/guru").status_code == 404


def test_the_person_asked_accepts_on_the_page(app, client, asked, sent_mail):
    client = signed_in(app, "mentor@example.org")
    page = client.get("/mentoring/").get_data(as_text=True)
    assert "Asha Asker asks you to be their mentor" in page
    response = post_form(client, f"/mentoring/requests/{asked}/answer", {"decision": "accept", "message": "Yes!"},
                         page=f"/mentoring/requests/{asked}")
    assert response.status_code == 302
    assert status_of(app, asked) == "active"
    assert "Yes!" in sent_mail.body(sent_mail.to("asker@example.org")[-1])
    client = signed_in(app, "asker@example.org")
    assert "Mo Mentor is your mentor" in client.get("/mentoring/").get_data(as_text=True)
    end = post_form(client, f"/mentoring/requests/{asked}/end", {"message": "Thank you"},
                    page=f"/mentoring/requests/{asked}")
    assert end.status_code == 302 and status_of(app, asked) == "ended"


def test_asking_twice_leads_to_the_request_already_there(app, client, asked):
    client = signed_in(app, "asker@example.org")
    response = client.get("/mentoring/ask/mentor")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/mentoring/requests/{asked}")
    token = csrf_from(client.get("/mentoring/").get_data(as_text=True))
    assert client.post("/mentoring/ask/mentor", data={"csrf_token": token, "themes": "dementia",
                                                      "hopes": "again"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(MentorRequest.id))) == 1
