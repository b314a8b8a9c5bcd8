"""Attacks on the survey engine (issue 16): ids and tokens that are not yours, bad answers, smuggled show-if answers,
duplicate picks, anonymous surveys and formula injection in the exports."""
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from copractice.extensions import db
from copractice.measurement import surveys
from copractice.measurement.surveys_models import Survey, SurveyResponse
from copractice.security import make_token
from tests.conftest import create_member, csrf_from, post_form
from tests.test_measurement_surveys import answer_form, needs_survey


def chained_survey(app, required=False):
    """A survey where C is asked only when B is "yes", and B only when A is "yes"."""
    with app.test_request_context():
        admin = create_member(role="admin")
        survey = surveys.new_survey(admin, title="Chain")
        section = surveys.add_section(survey, "Questions")
        a = surveys.add_question(survey, surveys.QuestionInput(section.id, "single", "Question A",
                                                               options=["Yes", "No"]))
        b = surveys.add_question(survey, surveys.QuestionInput(section.id, "single", "Question B",
                                                               options=["Yes", "No"], show_if_key=a.key,
                                                               show_if_values=["yes"]))
        surveys.add_question(survey, surveys.QuestionInput(section.id, "short_text", "Question C", required=required,
                                                           show_if_key=b.key, show_if_values=["yes"]))
        survey.status = "open"
        db.session.commit()
        return survey.id


def test_an_answer_to_a_question_hidden_behind_a_hidden_question_is_not_kept(app):
    survey_id = chained_survey(app)
    with app.test_request_context():
        member = create_member()
        survey = db.session.get(Survey, survey_id)
        questions = surveys.asked(survey, member)
        # A is "no", so B is not asked, so C is not asked either: B's and C's smuggled answers are dropped.
        clean, errors = surveys.read_answers(questions, answer_form(question_a="no", question_b="yes",
                                                                    question_c="smuggled"))
        assert errors == {}
        response = surveys.save_response(survey, key=surveys.respondent_key(survey, member), member=member,
                                         answers=clean, submit=True)
        db.session.commit()
        assert surveys.draft_answers(survey, response) == {"question_a": "no"}


def test_a_required_question_hidden_behind_a_hidden_question_does_not_block(app):
    survey_id = chained_survey(app, required=True)
    with app.test_request_context():
        member = create_member()
        survey = db.session.get(Survey, survey_id)
        questions = surveys.asked(survey, member)
        clean, _ = surveys.read_answers(questions, answer_form(question_a="no", question_b="yes"))
        assert surveys.check_required(questions, clean) == {}


def test_a_pick_any_answer_with_the_same_choice_twice_counts_once(app):
    survey_id = needs_survey(app)
    with app.test_request_context():
        member = create_member()
        survey = db.session.get(Survey, survey_id)
        clean, errors = surveys.read_answers(surveys.asked(survey, member),
                                             answer_form(theme="cross-cutting", needs=["chairing"] * 5))
        assert errors == {} and clean["needs"] == ["chairing"]


@pytest.mark.parametrize("raw", ["1e999", "nan", "inf", "-inf", "1" + "0" * 30, "12abc", "\x01"])
def test_bad_numbers_are_refused(app, raw):
    with app.test_request_context():
        admin = create_member(role="admin")
        survey = surveys.new_survey(admin, title="Numbers")
        section = surveys.add_section(survey, "Questions")
        surveys.add_question(survey, surveys.QuestionInput(section.id, "number", "How many"))
        _clean, errors = surveys.read_answers(survey.questions, answer_form(how_many=raw))
        assert set(errors) == {"how_many"}


@pytest.mark.parametrize("answers", [{"confidence": "11"}, {"confidence": "-1"}, {"theme": "nope"},
                                     {"needs": ["chairing", "not-offered"]}, {"comments": "x" * 20000},
                                     {"agree_support": "6"}])
def test_bad_answers_on_the_page_are_errors_and_nothing_is_stored(app, client, login, make_member, answers):
    survey_id = needs_survey(app)
    login(client, make_member())
    data = {"action": "save", "q_theme": "cross-cutting"}
    data.update({f"q_{k}": v for k, v in answers.items()})
    response = post_form(client, f"/surveys/{survey_id}", data)
    assert response.status_code == 400 and "There is a problem" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(SurveyResponse.id))) == 0


def test_a_nul_byte_in_a_text_answer_is_not_a_500(app, client, login, make_member):
    survey_id = needs_survey(app)
    login(client, make_member())
    response = post_form(client, f"/surveys/{survey_id}", {"action": "save", "q_comments": "a\x00b"})
    assert response.status_code < 500


def test_invitation_tokens_cannot_be_moved_tampered_or_replayed(app, client):
    survey_a, survey_b = needs_survey(app), needs_survey(app)
    with app.test_request_context():
        token = surveys.invitation_token(db.session.get(Survey, survey_a))
        forged = make_token("survey-invitation", {"s": survey_b, "n": "x"})[:-2] + "AA"
        other_purpose = make_token("password-reset", {"s": survey_b, "n": "x"})
    for bad in (forged, other_purpose, token[:-1], token + "A"):
        assert client.get(f"/surveys/invitation/{bad}").status_code == 404
    url = f"/surveys/invitation/{token}"
    sent = {"action": "submit", "q_theme": "cross-cutting", "q_needs": "chairing",
            "csrf_token": csrf_from(client.get(url).get_data(as_text=True))}
    assert "have been sent" in client.post(url, data=sent).get_data(as_text=True)
    assert "already sent" in client.post(url, data=sent).get_data(as_text=True)  # replayed after submit
    with app.app_context():
        rows = db.session.execute(select(SurveyResponse.survey_id)).scalars().all()
        assert rows == [survey_a]


def test_a_lead_of_another_theme_cannot_reach_a_survey(app, client, login, make_member):
    survey_id = needs_survey(app, theme="dementia")
    login(client, make_member(role="theme_lead", themes=("social-care",)))
    for url in (f"/surveys/manage/{survey_id}", f"/surveys/manage/{survey_id}/results",
                f"/surveys/manage/{survey_id}/results.csv"):
        assert client.get(url).status_code in (403, 404)
    for url in (f"/surveys/manage/{survey_id}/invitation", f"/surveys/manage/{survey_id}/status"):
        assert post_form(client, url, {"s-status": "closed"}).status_code in (403, 404)
    with app.app_context():
        assert db.session.get(Survey, survey_id).status == "open"


def test_anonymous_responses_keep_no_member_id_anywhere(app, client, login, make_member):
    survey_id = needs_survey(app, anonymous=True)
    member = make_member()
    login(client, member)
    post_form(client, f"/surveys/{survey_id}", {"action": "submit", "q_theme": "cross-cutting",
                                                "q_needs": "chairing", "q_comments": "private"})
    with app.app_context():
        response = db.session.scalar(select(SurveyResponse))
        assert response.status == "submitted" and response.member_id is None
        assert response.respondent_key.startswith("a:") and f"m:{member.id}" != response.respondent_key
        from copractice.audit import AuditEntry
        events = db.session.scalars(select(AuditEntry)).all()
        assert not [e for e in events if "survey" in (e.action or "")]


def test_formula_in_an_option_label_is_neutralised_in_exports(app, client, login, make_member):
    with app.test_request_context():
        admin = create_member(role="admin")
        survey = surveys.new_survey(admin, title="=HYPERLINK(\"http://evil\")")
        section = surveys.add_section(survey, "Questions")
        surveys.add_question(survey, surveys.QuestionInput(section.id, "multiple", "Needs",
                                                           options=["=HYPERLINK(\"http://evil\")", "+cmd"]))
        survey.status = "open"
        db.session.commit()
        survey_id = survey.id
    login(client, make_member(role="admin"))
    csv_text = client.get(f"/surveys/manage/{survey_id}/results.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in csv_text and "'+cmd" in csv_text
    assert "\n=" not in csv_text and ",=" not in csv_text and '"=' not in csv_text
    book = load_workbook(BytesIO(client.get(f"/surveys/manage/{survey_id}/results.xlsx").data))
    values = [c for row in book.active.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert all(not v.startswith(("=", "+")) for v in values)


def test_two_submits_at_once_through_one_invitation_link_leave_one_response(app):
    from copractice.errors import Refused
    from tests.concurrency_helpers import together

    survey_id = needs_survey(app)
    with app.test_request_context():
        token = surveys.invitation_token(db.session.get(Survey, survey_id))

    def go():
        with app.test_request_context():
            survey = db.session.get(Survey, survey_id)
            _sid, nonce = surveys.read_invitation(token)
            clean, _ = surveys.read_answers(surveys.asked(survey, None),
                                            answer_form(theme="cross-cutting", needs=["chairing"]))
            try:
                surveys.save_response(survey, key=surveys.respondent_key(survey, nonce=nonce), member=None,
                                      answers=clean, submit=True)
                db.session.commit()
                return "sent"
            except Refused:
                db.session.rollback()
                return "refused"

    outcomes = together([go, go], timeout=30)
    assert "sent" in outcomes
    with app.app_context():
        assert db.session.scalar(select(func.count(SurveyResponse.id))
                                 .where(SurveyResponse.survey_id == survey_id)) == 1
