"""A member who has every kind of data the site (and its bundled plugins) can hold about someone.

Used by the erasure and export tests: each value in SECRETS is written somewhere for this member and
must be gone from every table after erasure, and shown in the export before it.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from copractice.admin.operations import change_role
from copractice.attendance import operations as attendance_ops
from copractice.attendance.models import LATE, PRESENT, LowAttendanceReminder
from copractice.audit import audit
from copractice.community import directory
from copractice.community.directory_models import DirectoryExtra
from copractice.courses import operations as course_ops
from copractice.courses.models import CourseFacilitator, Session
from copractice.extensions import db
from copractice.library.models import Resource, ResourceSuggestion, SavedResource
from copractice.members import operations as member_ops
from copractice.notifications.models import EmailPreference, SessionReminder
from copractice.timeutil import utcnow
from tests.conftest import create_member
from tests.factories_courses import create_course

NAME = "Priya Pemberton-Privacy"
EMAIL = "priya.privacy@example.org"
APOLOGY = "Hospital appointment for my husband"
REMARK = "Came with her daughter Aisha"
COMPANION = "Bernadette Companionship"
GUARDIAN = "Gwendolyn Guardianfield"
ORGANISATION = "Medway Carers Hub"
ACCESS_NOTE = "I use a wheelchair and need the lift"
REMOVAL_REASON = "Asked to move because of her chemotherapy"
MESSAGE = "My private worry about the Tuesday group"  # a message to another member (issue 14 point 6)
LIVED = "Cared for my dad with vascular dementia"  # a lived-experience tag in the member directory (issue 14)
SECRETS = (NAME, EMAIL, APOLOGY, REMARK, COMPANION, GUARDIAN, ORGANISATION, ACCESS_NOTE, REMOVAL_REASON, MESSAGE, LIVED)
FLAG_NOTE = "Priya thinks this post names her neighbour"  # issue 14 point 4: a flag's note is theirs
SECRETS += (FLAG_NOTE,)
MEETING_REMARK = "Priya's bus was late from Sittingbourne"  # issue 15: a remark on a group meeting's register
SECRETS += (MEETING_REMARK,)


@dataclass
class PrivacyData:
    member_id: int
    waiter_id: int  # waiting for a place on the full course the member holds one on
    waiter_email: str
    full_course_slug: str
    full_course_id: int  # capacity 2: the member and one other hold its places
    queued_course_id: int  # the member waits for a place here
    unmarked_past_session_id: int  # happened; nobody marked the member
    marked_past_session_id: int
    future_session_id: int  # the member sent apologies for it
    certificate_code: str


def member_with_everything(app, *, leads_theme=True):
    """Create the member and everything about them; returns PrivacyData (ids only).

    With ``leads_theme`` they lead a theme (a theme_leadership row); without, they stay a trainee.
    """
    from copractice_childrens_mental_health.models import GuardianConsent, SafeguardingCheck
    from copractice_dementia.models import Companion

    with app.test_request_context():
        admin = create_member(role="admin", name="Ada Admin")
        member = create_member(name=NAME, email=EMAIL, organisation=ORGANISATION, access_needs=["step_free"],
                               access_needs_note=ACCESS_NOTE, stakeholder_type="carer", area="medway")
        other = create_member(name="Olu Other")
        waiter = create_member(name="Wanda Waiting")
        now = utcnow()

        # A course with four sessions that have happened and one to come; two places, both taken.
        full = create_course(title="Working together", capacity=2, sessions=5, starts_in=timedelta(days=-22))
        course_ops.enrol(member, full, organiser=admin, reason="Added at the start")
        course_ops.enrol(other, full)
        course_ops.enrol(waiter, full)
        sessions = sorted(full.sessions, key=lambda s: s.starts_at)
        s1, s2, s3, s4, s5 = sessions
        attendance_ops.mark(admin, s1, member.id, PRESENT, remark=REMARK)
        attendance_ops.mark(member, s2, member.id, PRESENT, source="self_checkin")  # checked in with the code
        attendance_ops.mark(admin, s3, member.id, LATE)
        attendance_ops.mark(admin, s1, other.id, PRESENT)
        attendance_ops.send_apology(member, s5, APOLOGY)  # completes: 3 of 4 counted (the apology is neutral)
        db.session.commit()
        certificate = attendance_ops.current_certificate(full.id, member.id)

        # A full course whose waiting list the member is on, and one they were removed from.
        queued = create_course(title="Measuring impact", capacity=1)
        course_ops.enrol(other, queued)
        course_ops.enrol(member, queued)
        removed_from = create_course(title="Involving young people", capacity=5)
        enrolment = course_ops.enrol(member, removed_from)
        course_ops.remove_member(admin, enrolment, REMOVAL_REASON)

        # They co-facilitate a course with lived experience and lead a theme.
        led = create_course(title="Lived experience in research", theme_slug="dementia")
        db.session.add(CourseFacilitator(course_id=led.id, member_id=member.id, lived_experience=True))
        if leads_theme:
            change_role(admin, member, "theme_lead", themes=["dementia"], reason="Leads the carers' group")

        member_ops.set_consents(member, {"research_contact": True})
        member_ops.save_profile_answers(member, {("dementia", "connection"): "carer"})
        # A member directory entry (issue 14), written while not listed: no consent events beyond the one above.
        directory.save_entry(member, listed=False, show_lived=False, expertise="Carer involvement", lived=[LIVED],
                             open_to_mentoring=True, questions=[])
        db.session.add(DirectoryExtra(member_id=member.id, plugin="dementia", name="dementia_friend", value="yes"))
        db.session.add(EmailPreference(member_id=member.id, kind="session_reminder", email=False))
        db.session.add(SessionReminder(session_id=s5.id, member_id=member.id, sent_at=now))
        db.session.add(LowAttendanceReminder(member_id=member.id, day=now.date(), sent_by_id=admin.id, sent_at=now))
        guide = Resource(slug="carers-guide", title="Carers' guide", summary="A guide", type="guide",
                         status="published", created_by_id=member.id)
        db.session.add(guide)
        db.session.flush()
        db.session.add(SavedResource(member_id=member.id, resource_id=guide.id))
        db.session.add(ResourceSuggestion(member_id=member.id, title="Dementia cafe toolkit", status="waiting"))
        member.calendar_token = "a-private-calendar-token-for-priya"
        # A conversation with another member: its notice and email to them name her (issue 14 point 6).
        from copractice.community import messages as message_ops

        message_ops.start_conversation(member, [other], MESSAGE)

        # What the bundled plugins hold: a companion, a guardian's consent, a check.
        db.session.add(Companion(course_id=full.id, member_id=member.id, name=COMPANION,
                                 relationship_to_member="friend"))
        member.reading_settings = {"text_size": "large"}  # the core's since issue 11 (was the plugin's)
        db.session.add(GuardianConsent(member_id=member.id, guardian_name=GUARDIAN, relationship_to_member="mother",
                                       consent_date=date(2026, 1, 5), recorded_by_id=admin.id))
        db.session.add(SafeguardingCheck(member_id=member.id, checked_on=date(2026, 2, 1), recorded_by_id=admin.id))
        # The community (issue 14 point 4): a flag they raised and a stop on them (their posts are the forum's).
        from copractice.community.moderation import raise_flag, stop_posting
        from tests.community_safety_factory import make_space, make_topic

        space = make_space(name="Carers' corner")
        topic, post = make_topic(space, other)
        raise_flag(member, post, "personal_information", FLAG_NOTE)
        stop_posting(admin, member, space, "A short break")
        audit(admin, "childrens_mental_health.consent_recorded", "member", member.id, member.name, None,
              {"guardian": GUARDIAN, "date": "2026-01-05"})  # as the plugin's page records it

        # The community (issue 14): a topic they started, a reply of someone else's they hid as its moderator, and
        # the space they moderate and are safeguarding lead of.
        from copractice.community.models import Post, Space, SpaceRole, Topic

        space = Space(slug="carers-corner", name="Carers' corner", visibility="members",
                      safeguarding_lead_id=member.id)
        db.session.add(space)
        db.session.flush()
        db.session.add(SpaceRole(space_id=space.id, member_id=member.id, role="moderator"))
        topic = Topic(space_id=space.id, author_id=member.id, title="Respite ideas", reply_count=0)
        db.session.add(topic)
        db.session.flush()
        db.session.add(Post(topic_id=topic.id, number=1, author_id=member.id, body="What helps you rest?",
                            html="<p>What helps you rest?</p>", published_at=now))
        db.session.add(Post(topic_id=topic.id, number=2, author_id=other.id, body="Off topic", html="<p>Off topic</p>",
                            status="hidden", hidden_reason="Off topic", hidden_by_id=member.id))

        # Groups and meetings (issue 15): they are the secretary of the regional forum.
        from copractice.meetings.models import Group, GroupMember

        forum = Group(slug="regional-forum", name="Regional public involvement forum", kind="forum")
        db.session.add(forum)
        db.session.flush()
        db.session.add(GroupMember(group_id=forum.id, member_id=member.id, role="secretary", status="active",
                                   joined_at=now))
        # Their answers and marks at the forum's meetings (a past one with a remark, a coming one), and a mark
        # they gave someone else as secretary.
        from copractice.meetings.meeting_models import MeetingAttendance, MeetingRsvp
        from copractice.meetings.models import Meeting

        held = Meeting(group_id=forum.id, title="Forum, autumn", starts_at=now - timedelta(days=30),
                       ends_at=now - timedelta(days=30) + timedelta(hours=2), venue="Maidstone")
        coming = Meeting(group_id=forum.id, title="Forum, winter", starts_at=now + timedelta(days=30),
                         ends_at=now + timedelta(days=30, hours=2), venue="Maidstone")
        db.session.add_all([held, coming])
        db.session.flush()
        db.session.add_all([
            MeetingRsvp(meeting_id=held.id, member_id=member.id, answer="yes"),
            MeetingRsvp(meeting_id=coming.id, member_id=member.id, answer="maybe"),
            MeetingAttendance(meeting_id=held.id, member_id=member.id, status="late", remark=MEETING_REMARK,
                              marked_by_id=member.id),
            MeetingAttendance(meeting_id=held.id, member_id=other.id, status="present", marked_by_id=member.id),
        ])
        # Agendas and actions (issue 15): they lead an item and own an action.
        from copractice.meetings.agenda_models import AgendaItem, MeetingAction

        forum_meeting = Meeting(group_id=forum.id, title="Forum meeting", starts_at=now + timedelta(days=3),
                                ends_at=now + timedelta(days=3, hours=2))
        db.session.add(forum_meeting)
        db.session.flush()
        led = AgendaItem(meeting_id=forum_meeting.id, title="Welcome", lead_id=member.id)
        db.session.add(led)
        db.session.flush()
        db.session.add(MeetingAction(group_id=forum.id, meeting_id=forum_meeting.id, item_id=led.id,
                                     description="Book the accessible room", owner_id=member.id))
        # Involvement (issue 17): interested in an opportunity, payment declined, credit consented.
        from copractice.involvement.models import Involvement, Opportunity

        opportunity = Opportunity(title="Review the carers' leaflet", role="reviewer", description="Read it",
                                  expected_minutes=60, project="Carers' leaflet", places=2, status="open")
        db.session.add(opportunity)
        db.session.flush()
        db.session.add(Involvement(opportunity_id=opportunity.id, member_id=member.id, status="confirmed",
                                   payment_choice="declined", benefits_advice=True, credit_consent=True))
        # Issue 16: named in the impact log, leading a project, and equality monitoring answers.
        from copractice.measurement.equality_models import EqualityMonitoring
        from copractice.measurement.impact_models import (
            ImpactContributor,
            ImpactEntry,
            ImpactProject,
            ImpactProjectLead,
        )

        db.session.add(ImpactEntry(theme_slug="cross-cutting", what_changed="Easy Read letters", for_whom="Carers",
                                   evidence="", happened_on=now.date(), created_by_id=member.id,
                                   contributors=[ImpactContributor(member_id=member.id)]))
        db.session.add(ImpactProject(name="Privacy project", theme_slug="cross-cutting",
                                     leads=[ImpactProjectLead(member_id=member.id)]))
        db.session.add(EqualityMonitoring(member_id=member.id, caring="yes"))
        # Self-assessment and agreed standards (issue 16 points 4-5): they rated the forum in a closed round and
        # an open one, started a round, recorded a standard, designed its measure and entered a measurement.
        from copractice.measurement.assessment_models import AssessmentRating, AssessmentRound
        from copractice.measurement.standards_models import (
            AgreedStandard,
            Measurement,
            MeasurePerson,
            StandardMeasure,
        )

        spring = AssessmentRound(group_id=forum.id, title="Spring", closed_at=now, created_by_id=member.id)
        autumn = AssessmentRound(group_id=forum.id, title="Autumn", created_by_id=member.id)
        standard = AgreedStandard(group_id=forum.id, title="Papers in Easy Read", created_by_id=member.id)
        db.session.add_all([spring, autumn, standard])
        db.session.flush()
        measure = StandardMeasure(standard_id=standard.id, title="Papers with an Easy Read version", target=100)
        db.session.add(measure)
        db.session.flush()
        db.session.add_all([
            AssessmentRating(round_id=spring.id, member_id=member.id, item="standard_governance", rating=2,
                             comment="We are not asked", stakeholder_type="carer"),
            AssessmentRating(round_id=autumn.id, member_id=member.id, item="standard_governance", rating=3,
                             comment="", stakeholder_type="carer"),
            MeasurePerson(measure_id=measure.id, part="designed", member_id=member.id, stakeholder_type="carer"),
            Measurement(measure_id=measure.id, measured_on=now.date(), value=60, recorded_by_id=member.id),
        ])
        # Surveys (issue 16): a named response to a survey they made.
        from copractice.measurement.surveys_models import Survey, SurveyResponse

        survey = Survey(title="Training needs", kind="training_needs", status="open", created_by_id=member.id)
        db.session.add(survey)
        db.session.flush()
        db.session.add(SurveyResponse(survey_id=survey.id, respondent_key=f"m:{member.id}", member_id=member.id,
                                      status="submitted", by_proxy=True))
        # Course evaluation (issue 16 point 3): they were invited to a course's survey before it.
        from copractice.measurement.evaluation_models import EvaluationInvitation

        db.session.add(EvaluationInvitation(course_id=full.id, member_id=member.id, stage="pre"))
        db.session.commit()
        return PrivacyData(member_id=member.id, waiter_id=waiter.id, waiter_email=waiter.email,
                           full_course_id=full.id, full_course_slug=full.slug,
                           queued_course_id=queued.id, unmarked_past_session_id=s4.id,
                           marked_past_session_id=s1.id, future_session_id=s5.id, certificate_code=certificate.code)


def session_of(session_id):
    return db.session.get(Session, session_id)
