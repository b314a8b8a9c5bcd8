"""Who may do what with a team's self-assessment and agreed standards, for each part a person can have in the group
(issue 16 points 4-5): members rate and read; chairs, secretaries, the theme's lead and admins run rounds and edit
standards; members named as monitoring a measure enter its measurements; invited, former and outside people see
nothing."""
import pytest

from copractice.extensions import db
from copractice.measurement import assessment as sa
from copractice.measurement import standards as st
from copractice.meetings.models import Group, GroupMember
from copractice.testing import log_in
from tests.conftest import create_member, post_form

PARTS = ["member", "monitor", "chair", "secretary", "lead", "admin", "invited", "left", "outsider", "other_lead"]
READERS = {"member", "monitor", "chair", "secretary", "lead", "admin"}
RATERS = {"member", "monitor", "chair", "secretary"}
RUNNERS = {"chair", "secretary", "lead", "admin"}
RECORDERS = RUNNERS | {"monitor"}


def _world(part):
    group = Group(slug=f"access-{part}", name="Access team", kind="steering", joining="invite", theme_slug="dementia")
    db.session.add(group)
    db.session.flush()
    chair = create_member(name="Chair")
    db.session.add(GroupMember(group_id=group.id, member_id=chair.id, role="chair", status="active"))
    role = {"lead": "theme_lead", "other_lead": "theme_lead", "admin": "admin"}.get(part, "trainee")
    themes = {"lead": ("dementia",), "other_lead": ("social-care",)}.get(part, ())
    me = chair if part == "chair" else create_member(role=role, themes=themes, name="Me")
    status = {"invited": "invited", "left": "left"}.get(part, "active")
    if part in ("member", "monitor", "secretary", "invited", "left"):
        db.session.add(GroupMember(group_id=group.id, member_id=me.id, status=status,
                                   role="secretary" if part == "secretary" else "member"))
    db.session.flush()
    round_ = sa.open_round(chair, group, "Round")
    standard = st.add_standard(chair, group, title="Standard")
    measure = st.add_measure(chair, standard, title="Measure", target=1)
    if part == "monitor":
        st.add_person(chair, measure, part="monitors", member_id=me.id)
    db.session.commit()
    return me.email, group.slug, round_.id, standard.id, measure.id


@pytest.mark.parametrize("part", PARTS)
def test_each_part_in_a_group_gets_what_it_should(app, part):
    with app.app_context():
        email, slug, rid, sid, mid = _world(part)
    client = app.test_client()
    log_in(client, email)
    base = f"/assessment/{slug}"

    def status(url):
        return client.get(url).status_code

    read = 200 if part in READERS else 403
    assert status(base) == read
    assert status(f"{base}/rounds/{rid}") == read
    assert status(f"{base}/results.csv") == read
    assert status(f"{base}/standards") == read
    assert status(f"{base}/measures/{mid}") == read
    assert status(f"{base}/standards.xlsx") == read
    assert status(f"{base}/rounds/{rid}/rate") == (200 if part in RATERS else 403)
    run = 200 if part in RUNNERS else 403
    assert status(f"{base}/rounds/new") == run
    assert status(f"{base}/standards/new") == run
    assert status(f"{base}/standards/{sid}/measures/new") == run
    recorded = post_form(client, f"{base}/measures/{mid}", {"reading-measured_on": "2026-01-05",
                                                            "reading-value": "3"}, page="/account")
    assert recorded.status_code == (302 if part in RECORDERS else 403)
    closed = post_form(client, f"{base}/rounds/{rid}/close", {}, page="/account")
    assert closed.status_code == (302 if part in RUNNERS else 403)
    with app.app_context():
        from copractice.measurement.assessment_models import AssessmentRound
        assert (db.session.get(AssessmentRound, rid).closed_at is not None) is (part in RUNNERS)


def test_an_unknown_team_round_or_measure_is_not_found(app):
    with app.app_context():
        email, slug, rid, sid, mid = _world("chair")
        _, other_slug, other_rid, _, other_mid = _world("admin")
    client = app.test_client()
    log_in(client, email)
    assert client.get("/assessment/no-such-team").status_code == 404
    assert client.get(f"/assessment/{slug}/rounds/{other_rid}").status_code == 404  # another team's round
    assert client.get(f"/assessment/{slug}/measures/{other_mid}").status_code == 404
    assert client.get(f"/assessment/{slug}/standards/999999/measures/new").status_code == 404
