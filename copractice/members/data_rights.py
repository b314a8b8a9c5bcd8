"""A member's rights over their data: a copy of everything we hold (GDPR articles 15 and 20) and erasure.

These two functions reach into every area (courses, attendance, notices, the library, the audit log,
plugins), so they live here rather than in members.operations, which the other areas build on.
Nothing else imports this module. Callers commit; on an exception the caller rolls back.

Every table with a foreign key to ``member`` is listed below, either with the part of the export that
holds it or with the reason it is left out; tests/test_members_privacy.py fails when a new table is
in neither list, so no table can be forgotten. docs/data_export.md describes the layout.
"""
import logging
from datetime import datetime

from sqlalchemy import String, cast, delete, func, or_, select, update

from copractice.attendance.models import (
    MARKS,
    SOURCES,
    Attendance,
    AttendanceChange,
    Certificate,
    Completion,
    LowAttendanceReminder,
)
from copractice.audit import AuditEntry, audit
from copractice.community import mentoring, messages
from copractice.community.models import SPACE_ROLES, Post, Space, SpaceRole, Topic
from copractice.community.safety_models import ModerationEntry, PostFlag, PostingStop
from copractice.community.watch_models import (
    DEFAULT_DELIVERY,
    CommunityDigest,
    CommunityEmailChoice,
    CommunityNotification,
    SpaceWatch,
    TopicWatch,
)
from copractice.courses import operations as course_ops
from copractice.courses.models import (
    ACTIVE,
    ENROLMENT_STATUS_LABELS,
    Course,
    CourseFacilitator,
    Enrolment,
    Session,
)
from copractice.errors import Refused
from copractice.extensions import db
from copractice.involvement import claims as involvement_claims  # issue 17: claims are financial records
from copractice.involvement import operations as involvement_ops
from copractice.library.models import Resource, ResourceSuggestion, SavedResource
from copractice.measurement import assessment as self_assessment
from copractice.measurement import equality, evaluation, impact, surveys
from copractice.measurement import standards as agreed_standards
from copractice.meetings import minutes as meeting_minutes
from copractice.meetings.meeting_models import MeetingAttendance, MeetingRsvp
from copractice.meetings.models import MEMBERSHIP_STATUSES, Group, GroupMember, Meeting
from copractice.members.models import (
    CONSENTS,
    ConsentEvent,
    Member,
    ProfileAnswer,
    ThemeLeadership,
)
from copractice.notifications.models import (
    NOTICE_KINDS,
    EmailPreference,
    Notice,
    OutboxMessage,
    SessionReminder,
)
from copractice.plugins import PluginFailure, get_plugins
from copractice.timeutil import utcnow
from copractice.urls import external_url

log = logging.getLogger(__name__)

EXPORT_FORMAT = "copractice-member-data"
EXPORT_VERSION = 1
ERASED_NAME = "Former member"

# Table -> the key of the export that holds its rows about the member.
EXPORTED_TABLES = {
    "member": "account",
    "theme_leadership": "account",
    "consent_event": "consents",
    "profile_answer": "plugin_answers",
    "enrolment": "enrolments",
    "course_facilitator": "courses_facilitated",
    "attendance": "attendance",
    "attendance_change": "attendance_changes",
    "completion": "completions",
    "certificate": "certificates",
    "notice": "notices",
    "email_preference": "email_preferences",
    "session_reminder": "session_reminders",
    "low_attendance_reminder": "low_attendance_reminders",
    "outbox_message": "emails",
    "saved_resource": "library",
    "resource_suggestion": "library",
    "resource": "library",
    "audit_entry": "audit_entries",
    "mentor_offer": "mentoring",
    "mentor_request": "mentoring",
    "mentor_decline": "mentoring",
    "post": "community_posts",
    "topic": "community_posts",
    "space_role": "community_spaces",
    "space": "community_spaces",
    # Messages between members (copractice/community/messages.py).
    "message_conversation": "messages",
    "message_participant": "messages",
    "message": "messages",
    "message_block": "messages",
    "message_report": "messages",
    "directory_entry": "directory",
    "directory_tag": "directory",
    "directory_extra": "directory",
    # The community's watching and email (copractice/community/watch_models.py): one part of the export.
    "space_watch": "community_watching",
    "topic_watch": "community_watching",
    "community_email_choice": "community_watching",
    "community_notification": "community_watching",
    "community_digest": "community_watching",
    "post_flag": "community_safety",
    "posting_stop": "community_safety",
    "moderation_entry": "community_safety",
    # Groups and meetings (copractice/meetings/).
    "group_member": "meeting_groups",
    "meeting_rsvp": "group_meetings",
    "meeting_attendance": "group_meetings",
    # Agendas and actions (copractice/meetings/minutes.py): items they lead, actions they own.
    "agenda_item": "meeting_work",
    "meeting_action": "meeting_work",
    # Involvement of public contributors (copractice/involvement/, issue 17).
    "involvement": "involvement",
    # Claims for payment (copractice/involvement/claims.py, issue 17).
    "claim": "involvement_claims",
    "finance_staff": "involvement_claims",
    "impact_contributor": "impact",
    "impact_project_lead": "impact",
    "impact_entry": "impact",
    "equality_monitoring": "equality_monitoring",
    # Co-production self-assessment and co-agreed standards (copractice/measurement/, issue 16 points 4-5).
    "assessment_rating": "self_assessment",
    "measure_person": "agreed_standards",
    # Surveys (copractice/measurement/surveys.py): named responses; anonymous ones keep no member id.
    "survey_response": "survey_responses",
    # Course evaluation (copractice/measurement/evaluation.py): the invitations they were sent.
    "evaluation_invitation": "course_evaluation_invitations",
}

# Table.column pointing at a member, left out of the export: they record what the member did to
# something that is not about them (and which they may not see), or hold no personal data.
NOT_EXPORTED = {
    "survey.created_by_id": "the organiser who made a survey: about the survey",
    "attendance.marked_by_id": "who marked someone else's attendance: about the other person",
    "attendance_change.changed_by_id": "who changed someone else's mark: about the other person",
    "resource_file.uploaded_by_id": "who uploaded a file to the library: about the file",
    "resource_suggestion.decided_by_id": "the curator who decided on someone else's suggestion",
    "plugin_state.changed_by_id": "the admin who last switched a plugin on or off: about the site",
    "plugin_install.requested_by_id": "the admin or theme lead who asked for a plugin to be installed: about the site",
    "low_attendance_reminder.sent_by_id": "the organiser who sent someone else a reminder: about the other person",
    "post.hidden_by_id": "the moderator who hid someone else's post: about the other person's post",
    "message_block.blocked_id": "that someone else blocked them: telling them could put that person at risk",
    "message_report.resolved_by_id": "the admin who dealt with a report about someone else's message",
    "post_flag.resolved_by_id": "the moderator who dealt with someone else's flag: about the other person",
    "posting_stop.created_by_id": "the moderator who stopped someone else posting: about the other person",
    "posting_stop.ended_by_id": "the moderator who let someone else post again: about the other person",
    "group_member.invited_by_id": "who invited someone else into a group: about the other person",
    "meeting.created_by_id": "who set up a group's meeting: about the meeting",
    "meeting_attendance.marked_by_id": "who marked someone else at a group's meeting: about the other person",
    "agenda_paper.uploaded_by_id": "who added a paper to a meeting's agenda: about the paper",
    "meeting_minutes.approved_by_id": "who approved a meeting's minutes: about the meeting",
    "said_we_did.created_by_id": "who wrote a line of a group's public \"you said, we did\" log: about the group",
    "moderation_entry.actor_id": "what a moderator did about other people's posts (flags the member raised are "
                                 "exported from post_flag)",
    "involvement_opportunity.created_by_id": "who set up an involvement opportunity: about the opportunity",
    "payment_rate.created_by_id": "the admin who added a payment rate: about the programme's rates",
    "expense_rate.created_by_id": "the admin who added an expense rate: about the programme's rates",
    "claim.approved_by_id": "who approved someone else's claim for payment: about the other person",
    "finance_batch.created_by_id": "who sent a batch of claims to finance: about the batch",
    "finance_batch.paid_recorded_by_id": "who recorded a batch of claims paid: about the batch",
    "finance_staff.added_by_id": "the admin who named someone else finance staff: about the other person",
    "assessment_round.created_by_id": "who started a team's self-assessment round: about the round",
    "agreed_standard.created_by_id": "who recorded a standard a group agreed: about the standard",
    "measurement.recorded_by_id": "who entered a measurement of a group's standard: about the measure",
}

# Columns of the member row itself left out of the export (every other column is in "account" or
# "profile" under its own name).
MEMBER_COLUMNS_NOT_EXPORTED = {
    "id": "an internal number",
    "password_hash": "a one-way scramble of the password: useless to the member and a risk in a file",
    "session_token": "a secret that keeps the member logged in",
    "calendar_token": "the secret in the private calendar link; the export says whether there is one",
    "erased_at": "always empty for a member who can log in to ask",
}

# Columns of the member row that keep a value after erasure (every other one is emptied).
MEMBER_COLUMNS_KEPT = {
    "id": "other rows count the person by it",
    "name": 'replaced by "Former member"',
    "stakeholder_type": "anonymous reach figures",
    "area": "anonymous reach figures",
    "created_at": "anonymous figures of when people joined",
    "role": "reset to trainee",
    "active": "set to false",
    "erased_at": "when the account was erased",
    "session_token": "replaced by a new random one, so every login cookie stops working",
    "under_18": "set to false (a yes-or-no column cannot be emptied)",
}

# Plugin tables are exported and erased by their plugin (copractice_member_data, copractice_member_erased).

# Table.column that may still point at an erased member, and why. The member row is then only
# "Former member" with a stakeholder type and area, so these rows count the person without naming them.
# Every other column pointing at a member has no rows left for them after erasure.
KEPT_AFTER_ERASURE = {
    "survey.created_by_id": "surveys they made as an organiser",
    "enrolment.member_id": "places given up and old waiting-list rows: counted in course figures",
    "attendance.member_id": "marks for sessions that happened, without remarks: counted in attendance figures",
    "completion.member_id": "counted in completion figures",
    "certificate.member_id": "revoked, so a code shown to an employer says it is no longer valid",
    "outbox_message.member_id": "emails already sent, emptied of address, subject and text",
    "attendance.marked_by_id": "marks they gave other people",
    "attendance_change.changed_by_id": "changes they made to other people's marks",
    "audit_entry.actor_id": "what they did on the site, e.g. as an organiser",
    "resource.created_by_id": "library resources they added",
    "resource_file.uploaded_by_id": "files they uploaded to the library",
    "resource_suggestion.decided_by_id": "suggestions they decided on as a curator",
    "plugin_state.changed_by_id": "plugins they switched on or off as an admin",
    "low_attendance_reminder.sent_by_id": "reminders they sent other people as an organiser",
    "group_member.invited_by_id": "people they invited into a group",
    "meeting.created_by_id": "meetings they set up for a group",
    "meeting_attendance.member_id": "marks for group meetings that happened, without remarks: counted in attendance "
                                    "figures",
    "meeting_attendance.marked_by_id": "marks they gave other people at group meetings",
    "agenda_paper.uploaded_by_id": "papers they added to meetings' agendas",
    "meeting_minutes.approved_by_id": "minutes they approved for a group",
    "said_we_did.created_by_id": "lines they wrote in a group's \"you said, we did\" log",
    "impact_entry.created_by_id": "entries they wrote in the impact log (what changed, not about them)",
    "moderation_entry.actor_id": "what they did as a moderator, and flags they raised (the flag keeps no note)",
    "moderation_entry.member_id": "the moderation log's lines about their posts, naming only \"Former member\"",
    "post_flag.resolved_by_id": "flags they dealt with as a moderator",
    "posting_stop.created_by_id": "members they stopped posting as a moderator",
    "posting_stop.ended_by_id": "members they let post again as a moderator",
    # The bundled plugins' record of who recorded a consent or a check about someone else.
    "childrens_mental_health_consent.recorded_by_id": "consents they recorded for other people",
    "childrens_mental_health_safeguarding.recorded_by_id": "checks they recorded for other people",
    # The community: what they wrote stays in its topics (others replied to it and quoted it), shown as by
    # "Former member"; their name, address and account are gone.
    "post.author_id": 'posts they wrote in the community: the conversation stays readable, by "Former member"',
    "topic.author_id": 'topics they started: the replies of others stay in place, by "Former member"',
    "post.hidden_by_id": "posts of other people they hid as a moderator (the moderation record)",
    "message.author_id": 'their messages stay in the other people\'s conversations, text removed, from "Former member"',
    "message_report.resolved_by_id": "reports of messages they dealt with as an admin",
    "involvement_opportunity.created_by_id": "involvement opportunities they set up as an organiser",
    "payment_rate.created_by_id": "payment rates they added as an admin",
    "expense_rate.created_by_id": "expense rates they added as an admin",
    # Claims for payment are financial records (docs/finance_export.md): kept for the accounts, anonymised.
    "claim.member_id": "claims for payment are financial records kept for the accounts and auditors: amounts, dates "
                       "and batch stay; their name, the text they typed, the team's questions and receipts go",
    "claim.approved_by_id": "claims they approved as finance staff (financial records)",
    "finance_batch.created_by_id": "batches they sent to finance (financial records)",
    "finance_batch.paid_recorded_by_id": "batches they recorded paid (financial records)",
    "finance_staff.added_by_id": "finance staff they named as an admin",
    "assessment_rating.member_id": "ratings in closed self-assessment rounds, without comments: counted in results "
                                   "already shared, by \"Former member\" (those in open rounds are deleted)",
    "assessment_round.created_by_id": "self-assessment rounds they started for a team",
    "agreed_standard.created_by_id": "standards they recorded for a group",
    "measurement.recorded_by_id": "measurements they entered for a group's standards",
}


def _when(dt):
    return dt.isoformat() + "Z" if dt else None


def _all(stmt):
    return db.session.execute(stmt).all()


# -- the export ---------------------------------------------------------------------------------------------

def _session_fields(session, course):
    return {"course": course.title, "course_slug": course.slug,
            "session_starts_at": _when(session.starts_at), "session_ends_at": _when(session.ends_at)}


def _recorded_by(member, actor_id):
    if actor_id is None:
        return "the site"
    return "you" if actor_id == member.id else "a course organiser"


def _about_member_clause(member, by_name):
    """Audit entries that may be about the member; _is_about() decides exactly (JSON differs by database)."""
    text_before, text_after = cast(AuditEntry.before, String), cast(AuditEntry.after, String)
    clauses = [(AuditEntry.target_type == "member") & (AuditEntry.target_id == str(member.id))]
    for needle in (f'"member_id": {member.id}', f'"member_id":{member.id}'):
        clauses += [text_before.contains(needle), text_after.contains(needle)]
    for name in by_name:
        clauses += [text_before.contains(name), text_after.contains(name)]
    return or_(*clauses)


def _mentions(value, member, by_name):
    if isinstance(value, dict):
        return value.get("member_id") == member.id or any(_mentions(v, member, by_name) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, member, by_name) for v in value)
    return isinstance(value, str) and value in by_name


def _is_about(entry, member, by_name):
    if entry.target_type == "member" and entry.target_id == str(member.id):
        return True
    return _mentions(entry.before, member, by_name) or _mentions(entry.after, member, by_name)


def audit_entries_about(member: Member, *, by_name: bool = False) -> list[AuditEntry]:
    """Audit entries whose target is the member or whose recorded state holds their id.

    With ``by_name``, also those that quote their name or address (older entries recorded only the
    name): erasure scrubs those too, at the cost of scrubbing a namesake's; the export, which must
    not show anyone else's entries, does not.
    """
    names = {n for n in (member.name, member.email) if n} if by_name and member.erased_at is None else set()
    entries = db.session.scalars(select(AuditEntry).where(_about_member_clause(member, names))
                                 .order_by(AuditEntry.id))
    return [entry for entry in entries if _is_about(entry, member, names)]


def plugin_data(member: Member) -> tuple[dict, list[str]]:
    """({plugin: its dict}, [plugins that failed to answer]) from every installed plugin, enabled or not."""
    plugins = get_plugins()
    answered, failed = {}, []
    for name in plugins.implementers("copractice_member_data"):
        try:
            answers = plugins.call_from(name, "copractice_member_data", member=member)
        except PluginFailure:  # the hook fails closed: the download names the plugin instead of looking complete
            failed.append(name)
            continue
        if answers and answers[0]:
            answered[name] = answers[0]
    return answered, sorted(failed)


def export_member_data(member: Member) -> dict:
    """Everything the site holds about ``member``, as a JSON-ready dict (see docs/data_export.md)."""
    mid = member.id
    consents = db.session.scalars(select(ConsentEvent).where(ConsentEvent.member_id == mid).order_by(ConsentEvent.id))
    answers = db.session.scalars(select(ProfileAnswer).where(ProfileAnswer.member_id == mid)
                                 .order_by(ProfileAnswer.plugin, ProfileAnswer.field))
    enrolments = _all(select(Enrolment, Course).join(Course, Course.id == Enrolment.course_id)
                      .where(Enrolment.member_id == mid).order_by(Enrolment.created_at, Enrolment.id))
    facilitated = _all(select(CourseFacilitator, Course).join(Course, Course.id == CourseFacilitator.course_id)
                       .where(CourseFacilitator.member_id == mid).order_by(Course.title))
    marks = _all(select(Attendance, Session, Course).join(Session, Session.id == Attendance.session_id)
                 .join(Course, Course.id == Session.course_id).where(Attendance.member_id == mid)
                 .order_by(Session.starts_at, Attendance.id))
    changes = _all(select(AttendanceChange, Session, Course).join(Session, Session.id == AttendanceChange.session_id)
                   .join(Course, Course.id == Session.course_id).where(AttendanceChange.member_id == mid)
                   .order_by(AttendanceChange.at, AttendanceChange.id))
    completions = _all(select(Completion, Course).join(Course, Course.id == Completion.course_id)
                       .where(Completion.member_id == mid).order_by(Completion.completed_at))
    certificates = _all(select(Certificate, Course).join(Course, Course.id == Certificate.course_id)
                        .where(Certificate.member_id == mid).order_by(Certificate.issued_at, Certificate.id))
    notices = db.session.scalars(select(Notice).where(Notice.member_id == mid).order_by(Notice.created_at, Notice.id))
    flags = db.session.scalars(select(PostFlag).where(PostFlag.member_id == mid).order_by(PostFlag.id)).all()
    stops = db.session.scalars(select(PostingStop).where(PostingStop.member_id == mid).order_by(PostingStop.id)).all()
    moderated = db.session.scalars(select(ModerationEntry).where(ModerationEntry.member_id == mid)
                                   .order_by(ModerationEntry.id)).all()
    preferences = db.session.scalars(select(EmailPreference).where(EmailPreference.member_id == mid)
                                     .order_by(EmailPreference.kind))
    reminders = _all(select(SessionReminder, Session, Course).join(Session, Session.id == SessionReminder.session_id)
                     .join(Course, Course.id == Session.course_id).where(SessionReminder.member_id == mid)
                     .order_by(SessionReminder.sent_at))
    low_reminders = db.session.scalars(select(LowAttendanceReminder).where(LowAttendanceReminder.member_id == mid)
                                       .order_by(LowAttendanceReminder.sent_at))
    emails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.member_id == mid)
                                .order_by(OutboxMessage.created_at, OutboxMessage.id))
    saved = _all(select(SavedResource, Resource).join(Resource, Resource.id == SavedResource.resource_id)
                 .where(SavedResource.member_id == mid).order_by(SavedResource.saved_at))
    suggestions = db.session.scalars(select(ResourceSuggestion).where(ResourceSuggestion.member_id == mid)
                                     .order_by(ResourceSuggestion.created_at))
    added = db.session.scalars(select(Resource).where(Resource.created_by_id == mid).order_by(Resource.created_at))
    posts = _all(select(Post, Topic, Space).join(Topic, Topic.id == Post.topic_id).join(Space, Space.id == Topic.space_id)
                 .where(Post.author_id == mid).order_by(Post.created_at, Post.id))
    space_roles = _all(select(SpaceRole, Space).join(Space, Space.id == SpaceRole.space_id)
                       .where(SpaceRole.member_id == mid).order_by(Space.name))
    guarded = db.session.scalars(select(Space).where(Space.safeguarding_lead_id == mid).order_by(Space.name))
    groups = _all(select(GroupMember, Group).join(Group, Group.id == GroupMember.group_id)
                  .where(GroupMember.member_id == mid).order_by(Group.name))
    meeting_answers = _all(select(MeetingRsvp, Meeting, Group).join(Meeting, Meeting.id == MeetingRsvp.meeting_id)
                           .join(Group, Group.id == Meeting.group_id).where(MeetingRsvp.member_id == mid)
                           .order_by(Meeting.starts_at))
    meeting_marks = _all(select(MeetingAttendance, Meeting, Group)
                         .join(Meeting, Meeting.id == MeetingAttendance.meeting_id)
                         .join(Group, Group.id == Meeting.group_id).where(MeetingAttendance.member_id == mid)
                         .order_by(Meeting.starts_at))
    plugins, plugins_failed = plugin_data(member)
    current_marks = {(a.session_id, a.source) for a, _s, _c in marks}

    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": _when(utcnow()),
        "account": {
            "name": member.name,
            "email": member.email,
            "email_verified_at": _when(member.email_verified_at),
            "created_at": _when(member.created_at),
            "role": member.role,
            "themes_led": sorted(member.led_themes),
            "active": member.active,
            "has_calendar_feed": member.calendar_token is not None,
            "handle": member.handle,
        },
        "profile": {
            "stakeholder_type": member.stakeholder_type,
            "organisation": member.organisation,
            "area": member.area,
            "access_needs": list(member.access_needs or []),
            "access_needs_note": member.access_needs_note,
            "reading_settings": member.reading_settings or {},
            "under_18": member.under_18,
        },
        "consents": [{"kind": c.kind, "label": CONSENTS.get(c.kind, c.kind), "granted": c.granted, "at": _when(c.at)}
                     for c in consents],
        "plugin_answers": [{"plugin": a.plugin, "field": a.field, "value": a.value} for a in answers],
        "enrolments": [{"course": c.title, "course_slug": c.slug, "status": e.status,
                        "status_label": ENROLMENT_STATUS_LABELS.get(e.status, e.status),
                        "joined_at": _when(e.created_at), "enrolled_at": _when(e.enrolled_at),
                        "offered_at": _when(e.offered_at), "offer_expires_at": _when(e.offer_expires_at),
                        "last_changed_at": _when(e.updated_at),
                        "waiting_list_position": course_ops.waiting_position(e) if e.status == "waiting" else None}
                       for e, c in enrolments],
        "courses_facilitated": [{"course": c.title, "course_slug": c.slug, "lived_experience": f.lived_experience}
                                for f, c in facilitated],
        "attendance": [{**_session_fields(s, c), "mark": a.status, "mark_label": MARKS.get(a.status, a.status),
                        "recorded_how": SOURCES.get(a.source, a.source), "remark": a.remark, "minutes": a.minutes,
                        "recorded_at": _when(a.marked_at), "recorded_by": _recorded_by(member, a.marked_by_id)}
                       for a, s, c in marks],
        "attendance_changes": [{**_session_fields(s, c), "at": _when(ch.at), "old_mark": ch.old_status,
                                "new_mark": ch.new_status, "old_remark": ch.old_remark, "new_remark": ch.new_remark,
                                "recorded_how": SOURCES.get(ch.source, ch.source),
                                "changed_by": _recorded_by(member, ch.changed_by_id)}
                               for ch, s, c in changes],
        "apologies": [{**_session_fields(s, c), "sent_at": _when(ch.at), "reason": ch.new_remark,
                       "still_standing": (ch.session_id, "apology") in current_marks}
                      for ch, s, c in changes if ch.source == "apology" and ch.new_status == "excused"],
        "check_ins": [{**_session_fields(s, c), "checked_in_at": _when(a.marked_at),
                       "mark_label": MARKS.get(a.status, a.status)}
                      for a, s, c in marks if a.source == "self_checkin"],
        "completions": [{"course": c.title, "course_slug": c.slug, "completed_at": _when(done.completed_at),
                         "sessions_attended": done.attended, "sessions_counted": done.counted}
                        for done, c in completions],
        "certificates": [{"course": c.title, "code": cert.code, "issued_at": _when(cert.issued_at),
                          "revoked_at": _when(cert.revoked_at), "revoked_reason": cert.revoked_reason,
                          "check_url": external_url("attendance.verify_certificate", code=cert.code)}
                         for cert, c in certificates],
        "notices": [{"kind": n.kind, "message": n.message, "link": n.link, "created_at": _when(n.created_at),
                     "read_at": _when(n.read_at)} for n in notices],
        "email_preferences": [{"kind": p.kind, "label": NOTICE_KINDS.get(p.kind, p.kind), "email": p.email}
                              for p in preferences],
        "session_reminders": [{**_session_fields(s, c), "sent_at": _when(r.sent_at)} for r, s, c in reminders],
        "low_attendance_reminders": [{"day": r.day.isoformat(), "sent_at": _when(r.sent_at)}
                                     for r in low_reminders],
        "emails": [{"kind": m.kind, "to": m.to_address, "subject": m.subject, "status": m.status,
                    "queued_at": _when(m.created_at), "sent_at": _when(m.sent_at)} for m in emails],
        "library": {
            "saved": [{"title": r.title, "slug": r.slug, "saved_at": _when(s.saved_at)} for s, r in saved],
            "suggestions": [{"title": s.title, "url": s.url, "summary": s.summary, "theme": s.theme_slug,
                             "status": s.status, "suggested_at": _when(s.created_at),
                             "decided_at": _when(s.decided_at)} for s in suggestions],
            "added": [{"title": r.title, "slug": r.slug, "added_at": _when(r.created_at)} for r in added],
        },
        "audit_entries": [{"at": _when(e.at), "action": e.action, "target_type": e.target_type,
                           "target": e.target_label, "before": e.before, "after": e.after, "reason": e.reason,
                           "by": "you" if e.actor_id == mid else ("the site" if e.actor_id is None else "someone else")}
                          for e in audit_entries_about(member)],
        "community_posts": [{"space": sp.name, "topic": t.title, "started_the_topic": p.number == 1,
                             "body": p.body, "status": p.status, "hidden_reason": p.hidden_reason,
                             "written_at": _when(p.created_at), "changed_at": _when(p.edited_at),
                             "link": external_url("community.post", post_id=p.id)} for p, t, sp in posts],
        "community_spaces": [{"space": sp.name, "part": SPACE_ROLES.get(r.role, r.role), "since": _when(r.created_at)}
                             for r, sp in space_roles]
                            + [{"space": sp.name, "part": "Safeguarding lead", "since": None} for sp in guarded],
        "meeting_groups": [{"group": g.name, "part": gm.role_label, "status": MEMBERSHIP_STATUSES.get(gm.status, gm.status),
                            "joined_at": _when(gm.joined_at)} for gm, g in groups],
        "group_meetings": {
            "answers": [{"group": g.name, "meeting": m.title, "starts_at": _when(m.starts_at),
                         "answer": r.answer_label, "answered_at": _when(r.answered_at)} for r, m, g in meeting_answers],
            "attendance": [{"group": g.name, "meeting": m.title, "starts_at": _when(m.starts_at),
                            "mark": MARKS.get(a.status, a.status), "remark": a.remark, "marked_at": _when(a.marked_at),
                            "checked_in_yourself": a.source == "self_checkin"} for a, m, g in meeting_marks],
        },
        "community_safety": {
            "flags_raised": [{"post_id": f.post_id, "reason": f.reason_label, "note": f.note,
                              "raised_at": _when(f.created_at), "dealt_with_at": _when(f.resolved_at)} for f in flags],
            "posting_stops": [{"space": s.space.name if s.space else "every space", "reason": s.reason,
                               "from": _when(s.created_at), "until": _when(s.until), "ended_at": _when(s.ended_at)}
                              for s in stops],
            "moderation_of_your_posts": [{"at": _when(e.at), "what": e.action_label, "reason": e.reason}
                                         for e in moderated],
        },
        "plugins": plugins,
        "plugins_not_answering": plugins_failed,
        "mentoring": mentoring.export_mentoring(member),
        "messages": messages.export_member_messages(member),
        "directory": _directory_entry(member),
        "community_watching": _community_watching(member),
        "meeting_work": meeting_minutes.export_member_meeting_work(member),
        "involvement": involvement_ops.export_member_involvement(member),
        "involvement_claims": involvement_claims.export_member_claims(member),
        "impact": impact.export_member_impact(member),
        "equality_monitoring": equality.export_member_equality(member),
        "self_assessment": self_assessment.export_member_ratings(member),
        "agreed_standards": agreed_standards.export_member_measures(member),
        "survey_responses": surveys.export_for(member),
        "course_evaluation_invitations": evaluation.export_for(member),
    }


def _community_watching(member):
    """How the member gets community email, what they watch, what they were told about and which digests went."""
    mid = member.id
    choice = db.session.get(CommunityEmailChoice, mid)
    return {
        "email": choice.delivery if choice is not None else DEFAULT_DELIVERY,
        "spaces": [{"space": name, "level": level} for name, level in _all(
            select(Space.name, SpaceWatch.level).join(SpaceWatch, SpaceWatch.space_id == Space.id)
            .where(SpaceWatch.member_id == mid).order_by(Space.name))],
        "topics": [{"topic": title, "level": level} for title, level in _all(
            select(Topic.title, TopicWatch.level).join(TopicWatch, TopicWatch.topic_id == Topic.id)
            .where(TopicWatch.member_id == mid).order_by(Topic.title))],
        "told_about_posts": [{"post_id": n.post_id, "why": n.reason, "at": _when(n.created_at),
                              "emailed_at": _when(n.mailed_at)} for n in db.session.scalars(
            select(CommunityNotification).where(CommunityNotification.member_id == mid)
            .order_by(CommunityNotification.id))],
        "digests": [{"period": d.period, "posts": d.posts, "sent_at": _when(d.sent_at)} for d in db.session.scalars(
            select(CommunityDigest).where(CommunityDigest.member_id == mid).order_by(CommunityDigest.id))],
    }


def _directory_entry(member):
    """The member's entry in the member directory (issue 14), or None when they never made one."""
    from copractice.community import directory  # the community sits above the members' area

    entry = directory.export_entry(member)
    return entry if entry["updated_at"] is not None else None


# -- erasure ------------------------------------------------------------------------------------------------

class ErasureFailed(Exception):
    """Erasure could not be finished; the caller rolls back, so nothing has changed."""


class ErasureRefused(ErasureFailed, Refused):
    """Erasure would break a rule of the site; ``str(exc)`` says what to do first."""


def _only_admin(member):
    if member.role != "admin":
        return False
    return not db.session.scalar(select(func.count(Member.id)).where(
        Member.role == "admin", Member.active.is_(True), Member.erased_at.is_(None), Member.id != member.id))


def _scrub(value, names):
    """``value`` (an audit entry's recorded state) with the member's name and address replaced."""
    if isinstance(value, dict):
        return {k: (ERASED_NAME if k == "member" else _scrub(v, names)) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, names) for v in value]
    if isinstance(value, str) and value in names:
        return ERASED_NAME
    return value


def _scrub_audit(member):
    names = {n for n in (member.name, member.email) if n}
    for entry in audit_entries_about(member, by_name=True):
        if entry.target_type == "member" and entry.target_id == str(member.id):
            # What was recorded about the person (roles, plugin details such as a guardian's name) goes.
            entry.target_label, entry.before, entry.after = ERASED_NAME, None, None
        else:
            entry.before, entry.after = _scrub(entry.before, names), _scrub(entry.after, names)
        entry.reason = None  # an organiser's reason for a step about the person is about the person


def erase_member(member: Member, *, actor: Member | None = None, now: datetime | None = None) -> None:
    """Erase ``member``'s personal data and close the account, all or nothing (the caller commits).

    Plugins erase their data first; if one fails, ErasureFailed is raised before anything else
    changes and the caller rolls back. Then every place is given up (the first person waiting is
    offered it), waiting lists and future registers are left, reasons, remarks and notices are
    deleted, certificates revoked, and the audit log scrubbed. The row stays, stripped to stakeholder
    type and area, so past sessions keep counting the person without identifying them.
    """
    now = now or utcnow()
    mid = member.id
    if _only_admin(member):
        raise ErasureRefused("You are the site's only admin. Make someone else an admin before you delete "
                             "your account, so the site can still be run.")
    try:
        get_plugins().call("copractice_member_erased", member=member)
    except PluginFailure as exc:
        log.exception("erasure of member %s stopped: a plugin failed", mid)
        raise ErasureFailed(str(exc)) from exc

    _scrub_audit(member)  # while the name is still known, to find entries that quote it
    mentoring.erase_mentoring(member, now)  # before erased_at: the other side of a pair is told it ended
    messages.erase_member_messages(member, now)  # while the name is still known: it is taken out of notices
    member.erased_at = now  # from here on nobody (the member included) is notified about them
    db.session.flush()
    for enrolment in db.session.scalars(select(Enrolment).where(Enrolment.member_id == mid,
                                                                Enrolment.status.in_(ACTIVE))).all():
        try:
            course_ops.give_up_enrolment(enrolment, now=now)
        except course_ops.EnrolmentRefused as exc:  # changed under us: start again rather than half-erase
            raise ErasureFailed(str(exc)) from exc

    future = select(Session.id).where(Session.starts_at > now)
    db.session.execute(delete(Attendance).where(Attendance.member_id == mid, Attendance.session_id.in_(future)))
    db.session.execute(update(Attendance).where(Attendance.member_id == mid).values(remark=None))
    db.session.execute(delete(AttendanceChange).where(AttendanceChange.member_id == mid))
    db.session.execute(update(Certificate).where(Certificate.member_id == mid, Certificate.revoked_at.is_(None))
                       .values(revoked_at=now, revoked_reason="Withdrawn when the account was deleted."))
    for model in (ConsentEvent, ProfileAnswer, Notice, EmailPreference, SessionReminder, SavedResource,
                  LowAttendanceReminder, CourseFacilitator, ThemeLeadership):
        db.session.execute(delete(model).where(model.member_id == mid))
    db.session.execute(update(ResourceSuggestion).where(ResourceSuggestion.member_id == mid).values(member_id=None))
    # The community: their parts in spaces go; their posts stay, by "Former member" (KEPT_AFTER_ERASURE).
    db.session.execute(delete(SpaceRole).where(SpaceRole.member_id == mid))
    db.session.execute(delete(GroupMember).where(GroupMember.member_id == mid))  # their places in groups go
    # Their answers go; their marks at meetings that happened stay, without remarks, as counts (KEPT_AFTER_ERASURE).
    db.session.execute(delete(MeetingRsvp).where(MeetingRsvp.member_id == mid))
    db.session.execute(delete(MeetingAttendance).where(MeetingAttendance.member_id == mid, MeetingAttendance.meeting_id.in_(
        select(Meeting.id).where(Meeting.starts_at > now))))
    db.session.execute(update(MeetingAttendance).where(MeetingAttendance.member_id == mid).values(remark=None))
    meeting_minutes.erase_member_meeting_work(member)  # items they led and actions they owned lose their name
    involvement_ops.erase_member_involvement(member)  # their interest, selections and payment choices go
    involvement_claims.erase_member_claims(member)  # money records stay, anonymised (KEPT_AFTER_ERASURE)
    impact.erase_member_impact(member)  # off the impact log's contributors and projects' leads
    equality.erase_member_equality(member)  # their equality monitoring answers go
    self_assessment.erase_member_ratings(member)  # open rounds' ratings go; closed rounds' lose their comments
    agreed_standards.erase_member_measures(member)  # measures they designed or monitor no longer name them
    surveys.erase_for(member)  # named survey responses go; anonymous ones never held their id
    evaluation.erase_for(member)  # the course evaluation invitations they were sent
    db.session.execute(update(Space).where(Space.safeguarding_lead_id == mid).values(safeguarding_lead_id=None))
    from copractice.community import directory  # the community sits above the members' area

    directory.erase_entry(member)
    # Flags they raised stay for the moderators (a safeguarding concern must), without who raised them or their note.
    db.session.execute(update(PostFlag).where(PostFlag.member_id == mid).values(member_id=None, note=None))
    db.session.execute(delete(PostingStop).where(PostingStop.member_id == mid))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.member_id == mid,
                                                   OutboxMessage.status.in_(("queued", "failed"))))
    db.session.execute(update(OutboxMessage).where(OutboxMessage.member_id == mid).values(
        to_address=None, subject="(erased with the account)", body="(erased with the account)",
        attachment_name=None, attachment_type=None, attachment=None, last_error=None))
    for model in (SpaceWatch, TopicWatch, CommunityEmailChoice, CommunityNotification, CommunityDigest):
        db.session.execute(delete(model).where(model.member_id == mid))
    db.session.expire(member, ["leaderships"])

    member.name = ERASED_NAME
    member.email = None
    member.email_verified_at = None
    member.password_hash = None
    member.organisation = None
    member.access_needs = []
    member.access_needs_note = None
    member.reading_settings = None
    member.under_18 = False
    member.role = "trainee"
    member.active = False
    member.calendar_token = None
    member.handle = None
    member.rotate_session_token()
    audit(actor or member, "member.erased", "member", mid, ERASED_NAME)
    db.session.flush()
