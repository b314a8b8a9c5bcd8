"""Living with Dementia: companion places, a starter course, and a way in to the site's reading settings."""
from functools import cache
from pathlib import Path

import click
from flask import url_for
from flask.cli import with_appcontext
from sqlalchemy import bindparam, delete, select

from copractice.plugin_api import (
    ENROLLED,
    SPACINGS,
    TEXT_SIZES,
    YES_NO,
    CourseField,
    DirectoryField,
    Enrolment,
    Member,
    NavItem,
    ProfileField,
    RegisterExtra,
    ReportColumn,
    SettingField,
    SpaceSpec,
    Theme,
    Widget,
    db,
    hookimpl,
    profile_answer,
    site_request_context,
)

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2

HERE = Path(__file__).parent
THEME = Theme(slug="dementia", name="Living with Dementia",
              summary="Research and care co-produced with people living with dementia and those who support them.",
              colour="#7c2855")
CONNECTIONS = (("living_with", "I am living with dementia"), ("carer", "I care for someone living with dementia"),
               ("professional", "I work with people living with dementia"), ("other", "Another connection"))
COMPANION_PLACES = (("all", "Every course"), ("theme", "Living with Dementia courses only"),
                    ("none", "No course (companion places are switched off)"))


def connection(member):
    """The member's answer to the plugin's profile question, or None."""
    return profile_answer(member, "dementia", "connection")


@hookimpl
def copractice_themes(app):
    return [THEME]


@hookimpl
def copractice_spaces(app):
    return [SpaceSpec(slug="dementia", name="Living with Dementia", theme_slug=THEME.slug,
                      description="For people living with dementia, carers and researchers: ask, share and plan "
                                  "research together.",
                      guidelines="Take your time: there is no rush to reply.\n\n"
                                 "- Be kind and patient. Short, plain words help everyone.\n"
                                 "- Don't share anyone's personal or health details, yours included.\n"
                                 "- Talk about the person, not the diagnosis.\n"
                                 "- Worried about someone's safety? Use \"Report\" on the post.\n")]


@hookimpl
def copractice_blueprints(app):
    from copractice_dementia.views import bp

    return [bp]


@hookimpl
def copractice_nav_items(app, member):
    if member.is_authenticated:  # the reading settings are the core's; this theme puts them in the menu
        return [NavItem("Reading settings", "reading.settings", order=75)]
    return []


@hookimpl
def copractice_profile_fields(app):
    return [ProfileField(name="connection", label="What is your connection to dementia? (optional)",
                         choices=CONNECTIONS, hint="This helps us offer the right support, such as companion places.")]


@hookimpl
def copractice_migration_locations(app):
    return [str(HERE / "migrations" / "versions")]


@hookimpl
def copractice_settings_form(app):
    return [
        SettingField("companion_places", "Which courses offer companion places?", default="all", choices=COMPANION_PLACES,
                     hint="Members living with dementia can bring a companion, who does not take a place."),
        SettingField("reading_text_size", "Suggested text size", default="large", choices=tuple(TEXT_SIZES.items()),
                     hint="Offered to members on the Easier reading page, with one button to use it."),
        SettingField("reading_spacing", "Suggested spacing", default="wide", choices=tuple(SPACINGS.items())),
    ]


@hookimpl
def copractice_course_fields(app):
    """What a theme lead tells people living with dementia, and those who come with them, about any course."""
    return [
        CourseField("friendly_venue", "Dementia-friendly venue (optional)", choices=YES_NO, filterable=True,
                    filter_label="Dementia-friendly venue",
                    hint="Clear signs, good lighting, a quiet space to take a break, and toilets that are easy to find."),
        CourseField("break_minutes", "Minutes between breaks (optional)", kind="int", minimum=15, maximum=120,
                    hint="For example 45. Short stretches with breaks help many people living with dementia."),
    ]


@hookimpl
def copractice_directory_fields(app):
    """A member's directory entry says whether they are a Dementia Friend (issue 14, an example of the hook)."""
    return [DirectoryField("dementia_friend", "Dementia Friend (optional)", choices=YES_NO,
                           hint="You have done a Dementia Friends information session, so people living with "
                                "dementia know you understand.")]


@hookimpl
def copractice_dashboard_widgets(app, member):
    from copractice_dementia.operations import companion_places

    widgets = [Widget("Easier reading", "Larger text, more space and clearer colours: switch on what helps you.",
                      "Choose reading settings", url_for("dementia.easier_reading"))]
    if connection(member) == "living_with" and companion_places() != "none":
        widgets.append(Widget("Bringing someone with you?", "You can bring a companion to your courses. "
                              "They do not need a place of their own.", "Add a companion", url_for("dementia.companions")))
    return widgets


@cache
def _register_companions():
    """(companion's name, member's name) of a course's members with a place (``course`` bound), built once."""
    from copractice_dementia.models import Companion

    return (select(Companion.name, Member.name).join(Member, Member.id == Companion.member_id)
            .join(Enrolment, (Enrolment.course_id == Companion.course_id) & (Enrolment.member_id == Companion.member_id))
            .where(Companion.course_id == bindparam("course"), Enrolment.status == ENROLLED)
            .order_by(Companion.name))


@hookimpl
def copractice_register_extras(app, session):
    # Names in the same statement: a companion's member was loaded one at a time before.
    return [RegisterExtra(name, f"companion of {member_name}")
            for name, member_name in db.session.execute(_register_companions(), {"course": session.course_id})]


def bringing_companion(member_ids, course):
    """The "Bringing a companion" cells of a course report: "Yes" for each member with a companion on ``course``,
    read for every row at once. Only that they bring someone: the companion's name stays on the register."""
    if course is None:
        return {}
    # The course's companions (a few) picked out here: asking for 200 member ids as 200 bound parameters cost more
    # than the lookup itself.
    wanted = set(member_ids)
    return {member_id: "Yes" for member_id in db.session.scalars(_companions_on_course(), {"course": course.id})
            if member_id in wanted}


@cache
def _companions_on_course():
    from copractice_dementia.models import Companion

    return select(Companion.member_id).where(Companion.course_id == bindparam("course"))


@hookimpl
def copractice_report_columns(app, report):
    if report == "course":  # so the organisers can plan seats and refreshments for companions
        return [ReportColumn("Bringing a companion", bringing_companion)]
    return []


@hookimpl
def copractice_member_data(app, member):
    from copractice_dementia.models import Companion

    companions = db.session.scalars(select(Companion).where(Companion.member_id == member.id)).all()
    data = {}
    if companions:
        data["companions"] = [{"course_id": c.course_id, "name": c.name, "relationship": c.relationship_to_member}
                              for c in companions]
    return data


@hookimpl
def copractice_member_erased(app, member):
    from copractice_dementia.models import Companion

    db.session.execute(delete(Companion).where(Companion.member_id == member.id))


@click.group("dementia")
def dementia_cli():
    """Living with Dementia plugin tasks."""


@dementia_cli.command("seed")
@with_appcontext
def seed():
    """Add the starter course and resources (safe to run again)."""
    from copractice_dementia.starter import add_starter

    with site_request_context():
        made = add_starter()
        db.session.commit()
    click.echo(f"Living with Dementia starter content: {made} new item{'s' if made != 1 else ''}")


@hookimpl
def copractice_cli_commands(app):
    return [dementia_cli]


def _agree(key, text, easy_read, tag):
    return {"key": key, "kind": "agreement", "text": text, "easy_read": easy_read, "required": True, "tag": tag}


# A short evaluation in plain words, with Easy Read wording beside every question and one agreement scale.
DEMENTIA_FRIENDLY_EVALUATION = {
    "key": "dementia_friendly_evaluation",
    "title": "Dementia-friendly evaluation",
    "kind": "evaluation",
    "intro": "A few short questions about the session. Take your time. Someone can help you answer.",
    "anonymous": True,
    "sections": [{"title": "About the session", "questions": [
        _agree("welcome", "I felt welcome.", "I felt welcome.", "kirkpatrick:1"),
        _agree("understood", "I could follow what was said.", "I understood.", "kirkpatrick:1"),
        _agree("listened", "People listened to what I said.", "People listened to me.", "principle:respecting_knowledge"),
        _agree("pace", "The session went at a good pace for me.", "It was not too fast.", "standard:working_together"),
        _agree("again", "I would like to come again.", "I want to come again.", "principle:relationships"),
        {"key": "better", "kind": "long_text", "text": "What would make it better?",
         "easy_read": "What can we do better?"},
    ]}],
}


@hookimpl
def copractice_survey_templates(app):
    return [DEMENTIA_FRIENDLY_EVALUATION]
