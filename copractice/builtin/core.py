"""Core navigation, the Cross-cutting theme and other defaults, written as a plugin."""
from copractice.permissions import can
from copractice.plugin_types import NavItem, SpaceSpec, Theme, hookimpl

CROSS_CUTTING = Theme(
    slug="cross-cutting",
    name="Cross-cutting",
    summary="Co-production skills and practice that every theme shares.",
    colour="#005eb8",
)


@hookimpl(trylast=True)
def copractice_themes(app):
    return [CROSS_CUTTING]


GUIDELINES = """Be kind: everyone here is learning, and many people share things from their own life.

- Keep what others tell you about themselves here: don't share it elsewhere.
- Don't post anyone's personal details (addresses, phone numbers, health details), yours included.
- Disagree with ideas, not people.
- If something worries you about someone's safety, use "Report" on the post: it goes to the space's safeguarding lead.
"""


@hookimpl(trylast=True)
def copractice_spaces(app):
    return [SpaceSpec(slug="cross-cutting", name="Co-production in practice", theme_slug=CROSS_CUTTING.slug,
                      description="Ask questions and share what works in co-production, whatever your theme.",
                      guidelines=GUIDELINES, visibility="members")]


@hookimpl(trylast=True)
def copractice_certificate_wording(app, course):
    return "completed the co-production course"


@hookimpl(trylast=True)
def copractice_nav_items(app, member):
    items = [NavItem("Courses", "courses.catalogue", order=10), NavItem("Resources", "library.index", order=15),
             NavItem("Themes", "themes.index", order=17),
             NavItem("Community", "community.index", order=18)]
    if member.is_authenticated:
        items.append(NavItem("My learning", "courses.my_learning", order=20))
        items.append(NavItem("Check in", "attendance.check_in", order=25))
        items.append(NavItem("Groups", "meetings.groups", order=27))
        items.append(NavItem("Get involved", "involvement.opportunities", order=28))  # issue 17 point 1
        items.append(NavItem("Surveys", "surveys.index", order=29))  # issue 16 point 1
        if can(member, "courses.organise"):
            items.append(NavItem("Courses I run", "manage.courses", order=30))
        if can(member, "resources.curate"):
            items.append(NavItem("Curate", "library.manage", order=35))
        if can(member, "reports.view"):
            items.append(NavItem("Reports", "attendance.overview", order=40))
        if can(member, "partnerships.view"):  # issue 15 point 5
            items.append(NavItem("Partnership map", "partnerships.index", order=42))
        if can(member, "impact.view"):  # issue 16 point 6
            items.append(NavItem("Impact", "impact.log", order=43))
        items.append(NavItem("Messages", "messages.inbox", order=65))
        items.append(NavItem("Notices", "courses.notices", order=70))
        items.append(NavItem("My account", "members.profile", order=80))
        if can(member, "admin.access"):
            items.append(NavItem("Admin", "admin.dashboard", order=90))
        elif can(member, "plugin.install"):  # theme leads, where an admin allows it (admins: Admin -> Plugins)
            items.append(NavItem("Install plugins", "plugin_install.catalogue", order=85))
    else:
        items.append(NavItem("Create an account", "members.register", order=80))
        items.append(NavItem("Log in", "members.login", order=90))
    return items
