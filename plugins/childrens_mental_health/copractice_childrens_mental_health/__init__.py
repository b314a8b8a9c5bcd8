"""Starting Well: Children's Mental Health - guardian consent for young people, safeguarding checks, a young people's view."""
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import delete, select

from copractice.plugin_api import (
    NavItem,
    ProfileField,
    SettingField,
    SpaceSpec,
    Theme,
    Widget,
    can,
    db,
    hookimpl,
    plugin_setting,
    profile_answer,
)

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2

NAME = "childrens_mental_health"
HERE = Path(__file__).parent
THEME = Theme(slug="childrens-mental-health", name="Starting Well: Children's Mental Health",
              summary="Co-producing research and services with children, young people and their families.",
              colour="#00a499")
AGE_BANDS = (("under_13", "Under 13"), ("13_15", "13 to 15"), ("16_17", "16 or 17"), ("18_24", "18 to 24"),
             ("25_plus", "25 or over"))
# The youngest age in each band: a band needs consent when anyone in it can be below the consent age.
BAND_YOUNGEST = {"under_13": 0, "13_15": 13, "16_17": 16, "18_24": 18, "25_plus": 25}
SAFEGUARDING_YEARS = 3


def consent_age():
    """The age below which a parent's or guardian's consent is needed (set on the plugin's settings page)."""
    return plugin_setting(NAME, "consent_age")


def band_needs_consent(band):
    """Whether members in age ``band`` need a guardian's consent: yes when anyone in it is below the consent age."""
    return band in BAND_YOUNGEST and BAND_YOUNGEST[band] < consent_age()


def safeguarding_contact():
    """(name, email) of the safeguarding lead young people are told about; email "" when none is set."""
    return plugin_setting(NAME, "safeguarding_name"), plugin_setting(NAME, "safeguarding_email")


def age_band(member):
    return profile_answer(member, NAME, "age_band")


def has_consent(member):
    from copractice_childrens_mental_health.models import GuardianConsent

    return db.session.scalar(select(GuardianConsent.id).where(GuardianConsent.member_id == member.id)) is not None


def safeguarding_current(member, today=None):
    from copractice_childrens_mental_health.models import SafeguardingCheck

    check = db.session.get(SafeguardingCheck, member.id)
    today = today or date.today()
    return check is not None and check.checked_on >= today - timedelta(days=365 * SAFEGUARDING_YEARS + 1)


@hookimpl
def copractice_themes(app):
    return [THEME]


@hookimpl
def copractice_spaces(app):
    # The young people's space: members under 18 post only in spaces marked for young people.
    return [SpaceSpec(slug="young-people", name="Starting Well: young people's space", theme_slug=THEME.slug,
                      description="A space for young people to talk about how research and services could work "
                                  "better for them. Grown-ups who work with young people are here to listen.",
                      guidelines="- Be kind. Everyone here is welcome.\n"
                                 "- Keep yourself safe: don't share your full name, school, address, phone number "
                                 "or social media.\n"
                                 "- Don't share anyone else's private things either.\n"
                                 "- Your first posts are read by a moderator before others see them.\n"
                                 "- If something here worries or upsets you, use \"Report\" on the post. "
                                 "A trained adult will look at it.\n",
                      visibility="members", young_people=True)]


@hookimpl
def copractice_blueprints(app):
    from copractice_childrens_mental_health.views import bp

    return [bp]


@hookimpl
def copractice_nav_items(app, member):
    items = [NavItem("For young people", f"{NAME}.young_people", order=65)]
    if can(member, "theme.manage", THEME.slug):
        items.append(NavItem("Consent and checks", f"{NAME}.consents", order=66))
    return items


@hookimpl
def copractice_profile_fields(app):
    return [ProfileField(name="age_band", label="How old are you? (optional)", choices=AGE_BANDS,
                         hint="We ask so that young people get the right support. If you are under "
                              f"{consent_age()}, a parent or guardian needs to agree before you join a course.")]


@hookimpl
def copractice_settings_form(app):
    return [
        SettingField("consent_age", "Age below which a parent's or guardian's consent is needed", kind="int",
                     default=16, minimum=13, maximum=18, required=True,
                     hint="Young people younger than this cannot join a Starting Well course until a theme lead "
                          "records their parent's or guardian's consent. The law sets 13 as the lowest."),
        SettingField("safeguarding_name", "Safeguarding lead's name (optional)", max_length=120,
                     hint="Shown to young people with the email address below."),
        SettingField("safeguarding_email", "Safeguarding lead's email address (optional)", kind="email",
                     hint="Young people and their families are told to write here if they are worried about "
                          "their safety or someone else's."),
    ]


@hookimpl
def copractice_enrolment_check(app, member, course):
    if course.theme_slug != THEME.slug:
        return []
    band = age_band(member)
    if band is None and member.stakeholder_type == "young_person":
        return ["Please tell us your age on your profile (under “How old are you?”) before you join this course."]
    if band_needs_consent(band) and not has_consent(member):
        return ["A parent or guardian needs to give their consent before you can join this course. "
                "Ask them to contact the course organiser, who will record it."]
    return []


@hookimpl
def copractice_facilitator_check(app, member, course):
    if course.theme_slug == THEME.slug and not safeguarding_current(member):
        return [f"they need a safeguarding check from the last {SAFEGUARDING_YEARS} years recorded "
                "(Consent and checks page)"]
    return []


@hookimpl
def copractice_dashboard_widgets(app, member):
    if band_needs_consent(age_band(member)) and not has_consent(member):
        name, email = safeguarding_contact()
        worried = f" If you are worried about your safety, write to {name or 'our safeguarding lead'} at {email}." if email else ""
        return [Widget("Before you join a Starting Well course",
                       "A parent or guardian needs to agree first. Ask them to contact the course organiser." + worried)]
    return []


@hookimpl
def copractice_migration_locations(app):
    return [str(HERE / "migrations" / "versions")]


@hookimpl
def copractice_member_data(app, member):
    from copractice_childrens_mental_health.models import GuardianConsent, SafeguardingCheck

    data = {}
    consents = db.session.scalars(select(GuardianConsent).where(GuardianConsent.member_id == member.id)).all()
    if consents:
        data["guardian_consents"] = [{"guardian_name": c.guardian_name, "relationship": c.relationship_to_member,
                                      "date": c.consent_date.isoformat()} for c in consents]
    check = db.session.get(SafeguardingCheck, member.id)
    if check:
        data["safeguarding_check"] = check.checked_on.isoformat()
    return data


@hookimpl
def copractice_member_erased(app, member):
    from copractice_childrens_mental_health.models import GuardianConsent, SafeguardingCheck

    db.session.execute(delete(GuardianConsent).where(GuardianConsent.member_id == member.id))
    db.session.execute(delete(SafeguardingCheck).where(SafeguardingCheck.member_id == member.id))
