"""Plugins' eligibility rules for involvement (issue 17 point 9): asked at interest and again at selection,
failing closed."""
import pytest
from sqlalchemy import func, select

from copractice.errors import Refused
from copractice.extensions import db
from copractice.involvement import operations as ops
from copractice.involvement.models import Involvement
from tests.conftest import create_member
from tests.involvement_factory import course_with_facilitator, make_opportunity


@pytest.fixture
def app_settings():
    return {"EXTRA_PLUGINS": ["involvement_eligibility=tests.plugins.involvement_eligibility",
                              "involvement_eligibility_raising=tests.plugins.involvement_eligibility_raising"]}


def test_a_plugin_rule_refuses_interest_and_selection_with_its_reason(app, enable_plugin):
    from copractice.involvement.models import Opportunity
    from copractice.members.models import Member

    with app.test_request_context():
        course, fran = course_with_facilitator()
        ids = {"interview": make_opportunity(session=course.sessions[0], role="interviewer", places=3).id,
               "review": make_opportunity(session=course.sessions[0], role="reviewer", places=3).id,
               "young": create_member(name="Yas Young", under_18=True).id,
               "adult": create_member(stakeholder_type="carer", name="Cara Carer").id, "fran": fran.id}
        # Without the plugin, anyone may say they are interested.
        early = ops.express_interest(db.session.get(Member, ids["young"]), db.session.get(Opportunity, ids["interview"]))
        ids["early"] = early.id
        db.session.commit()
    enable_plugin("involvement_eligibility")
    with app.test_request_context():
        young, adult = db.session.get(Member, ids["young"]), db.session.get(Member, ids["adult"])
        interview, review = db.session.get(Opportunity, ids["interview"]), db.session.get(Opportunity, ids["review"])
        other_young = create_member(name="Sam Young", under_18=True)
        with pytest.raises(Refused, match="Interviewers are 18 or over"):
            ops.express_interest(other_young, interview)
        ops.express_interest(other_young, review)  # other roles stay open to them
        ops.express_interest(adult, interview)
        # Interest given before the rule came in is checked again when an organiser selects them.
        with pytest.raises(Refused, match="Interviewers are 18 or over"):
            ops.decide(db.session.get(Member, ids["fran"]), db.session.get(Involvement, ids["early"]), "selected")
        assert db.session.get(Involvement, ids["early"]).status == "interested"
        assert young.under_18


def test_a_failing_rule_refuses_rather_than_lets_anyone_through(app, enable_plugin):
    enable_plugin("involvement_eligibility_raising")
    with app.test_request_context():
        course, _fran = course_with_facilitator()
        opp = make_opportunity(session=course.sessions[0])
        carer = create_member(stakeholder_type="carer")
        with pytest.raises(Refused, match="could not check"):
            ops.express_interest(carer, opp)
        assert db.session.scalar(select(func.count(Involvement.id))) == 0
