"""The one place that decides who may do what: ``can(member, action, obj)``.

Every view asks through ``can`` (or the ``permission_required``/``require`` helpers built
on it); no view compares roles itself. An unknown action is a programming error and raises.
"""
from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import and_, exists, false, inspect, or_, select, true
from sqlalchemy.orm import aliased

from copractice.extensions import db, login_manager

ROLE_RANK = {"trainee": 0, "facilitator": 1, "theme_lead": 2, "admin": 3}

_RULES = {}


def _rule(*actions):
    def register(fn):
        for action in actions:
            _RULES[action] = fn
        return fn

    return register


def _signed_in(member):
    return member is not None and getattr(member, "is_authenticated", False) and member.is_active


def _is_admin(member):
    return _signed_in(member) and member.role == "admin"


@_rule("site.view")
def _anyone(member, obj):
    return True


# What any signed-in member may do with their own account, places, sessions and saved things. Each route names
# what it allows; the rule behind them all is the same (signed in, account switched on). Routes whose real check
# needs an object ask a second rule inside (member.open_history -> member.history, plugin.open_settings ->
# plugin.configure, theme.open_tools -> theme.manage).
@_rule("account.view", "account.edit", "account.consents", "account.change_password", "account.download_data",
       "account.delete", "account.log_out", "account.reading_settings", "account.calendar_link",
       "account.notification_settings", "notices.read", "learning.view",
       "course.enrol", "course.leave_waiting_list", "course.accept_offer", "course.decline_offer",
       "course.cancel_place", "course.bring_companion", "session.check_in", "session.send_apologies",
       "certificate.download", "resource.save", "resource.list_saved", "resource.suggest",
       "member.open_history", "plugin.open_settings", "theme.open_tools")
def _own_account(member, obj):
    return _signed_in(member)


@_rule("admin.access", "members.list", "audit.view", "plugins.manage")
def _admin_only(member, obj):
    return _is_admin(member)


@_rule("email.manage")
def _admin_email(member, obj):
    """Seeing email that could not be sent, and trying again: admins (the list shows addresses)."""
    return _is_admin(member)


@_rule("member.change_role", "member.set_active")
def _admin_on_another_member(member, obj):
    """Admins manage other members; nobody changes their own role or locks themselves out."""
    return _is_admin(member) and obj is not None and obj.id != member.id and obj.erased_at is None


def _leads_theme_of_plugin(member, obj):
    """A lead of the theme ``obj`` (a theme_plugins.ThemePlugin) is seen from, which the plugin provides or
    extends, when an admin lets theme leads manage that plugin."""
    return (_signed_in(member) and member.role == "theme_lead" and getattr(obj, "relation", None) in
            ("provides", "extends") and getattr(obj, "leads_may_manage", False) is True
            and getattr(obj, "theme", None) in member.led_themes)


@_rule("plugin.configure")
def _may_configure_plugin(member, obj):
    """A plugin's settings page: admins (obj is the plugin's name or a ThemePlugin); the lead of a theme the
    plugin provides or extends, from that theme's page, when an admin allows it (obj is a ThemePlugin)."""
    return _is_admin(member) or _leads_theme_of_plugin(member, obj)


@_rule("plugin.manage")
def _may_manage_plugin(member, obj):
    """Switching a plugin on or off, and previewing it, from a theme's page (obj is a theme_plugins.ThemePlugin):
    admins; the theme's lead when the plugin provides or extends the theme and an admin allows it."""
    return obj is not None and (_is_admin(member) or _leads_theme_of_plugin(member, obj))


@_rule("plugin.install")
def _may_install_plugins(member, obj):
    """Installing a plugin from the approved catalogue: nobody unless PLUGIN_INSTALL is "catalogue"; then admins,
    and theme leads too when PLUGIN_INSTALL_BY_THEME_LEADS is set (docs/deployment.md, "Installing plugins")."""
    if not _signed_in(member):
        return False
    from flask import current_app

    config = current_app.config
    if config.get("PLUGIN_INSTALL") != "catalogue":
        return False
    if _is_admin(member):
        return True
    return member.role == "theme_lead" and bool(config.get("PLUGIN_INSTALL_BY_THEME_LEADS"))


@_rule("theme.manage")
def _theme_lead_or_admin(member, obj):
    """Admins manage every theme; a theme lead manages the themes they lead (obj is a theme slug)."""
    if _is_admin(member):
        return True
    return _signed_in(member) and member.role == "theme_lead" and obj in member.led_themes


def _rank(member):
    return ROLE_RANK.get(member.role, 0) if _signed_in(member) else -1


def _manages_course(member, course):
    if _is_admin(member):
        return True
    return _signed_in(member) and member.role == "theme_lead" and course.theme_slug in member.led_themes


def _facilitates(member, course):
    """Assigned to run this course, whatever their role: a trainee co-facilitator takes its register too.

    From the course's facilitators when they are loaded; else (a page that shows only their names) a member
    who runs no course at all needs no look-up, and anyone else one ``exists``."""
    if not _signed_in(member):
        return False
    if "facilitators" not in inspect(course).unloaded:
        return any(row.member_id == member.id for row in course.facilitators)
    if getattr(member, "runs_courses", None) is False:
        return False
    from copractice.courses.models import CourseFacilitator  # courses sit above permissions: import late

    return bool(db.session.scalar(select(exists().where(CourseFacilitator.course_id == course.id,
                                                        CourseFacilitator.member_id == member.id))))


def _runs_a_course(member):
    """Whether the member is a facilitator of any course: loaded with the member (members.auth), else asked."""
    known = getattr(member, "runs_courses", None)
    if known is None:
        from copractice.courses.models import CourseFacilitator  # courses sit above permissions: import late

        known = db.session.scalar(select(exists().where(CourseFacilitator.member_id == member.id)))
    return bool(known)


@_rule("course.create")
def _may_create_courses(member, obj):
    """Admins, and theme leads (in the themes they lead; obj may name a theme)."""
    if _is_admin(member):
        return True
    if not (_signed_in(member) and member.role == "theme_lead"):
        return False
    return obj is None or obj in member.led_themes


@_rule("course.manage")
def _may_manage_course(member, obj):
    """Admins manage every course; theme leads the courses of their themes."""
    return obj is not None and _manages_course(member, obj)


@_rule("course.run", "course.access_needs")
def _may_run_course(member, obj):
    """Those who manage a course, and its facilitators: see who is coming and what they need."""
    return obj is not None and (_manages_course(member, obj) or _facilitates(member, obj))


@_rule("certificate.manage", "reports.overall")
def _admin_task(member, obj):
    """Revoking and re-issuing certificates, and region-wide reports, are for admins."""
    return _is_admin(member)


@_rule("reports.view")
def _may_see_reports(member, obj):
    """The reports area: admins, and theme leads (for their themes)."""
    return _is_admin(member) or (_signed_in(member) and member.role == "theme_lead")


@_rule("member.history")
def _may_see_member_history(member, obj):
    """A member's attendance across courses: the member themselves, and admins."""
    return obj is not None and (_is_admin(member) or (_signed_in(member) and member.id == obj.id))


@_rule("resources.curate")
def _may_curate(member, obj):
    """Adding resources and moderating suggestions: admins and theme leads (obj may name a theme)."""
    if _is_admin(member):
        return True
    return _signed_in(member) and member.role == "theme_lead" and (obj is None or obj in member.led_themes)


@_rule("resource.manage")
def _may_manage_resource(member, obj):
    """Admins manage every resource; theme leads those in a theme they lead."""
    if obj is None:
        return False
    if _is_admin(member):
        return True
    return _signed_in(member) and member.role == "theme_lead" and bool(set(obj.themes) & member.led_themes)


@_rule("course.view")
def _may_view_course(member, obj):
    """Published and archived courses are public; drafts only for those who run them."""
    if obj is None:
        return False
    return obj.status in ("published", "archived") or _may_run_course(member, obj)


@_rule("courses.organise")
def _organiser_area(member, obj):
    """The "Courses I run" area: facilitators, theme leads and admins, and anyone assigned to run a course."""
    return _rank(member) >= ROLE_RANK["facilitator"] or (_signed_in(member) and _runs_a_course(member))


@_rule("resource.view")
def _may_view_resource(member, obj):
    """Seeing and downloading a resource (obj is a Resource). ``visible_resources`` below says the same in SQL,
    ``visible_keys`` in search-row keys; tests/test_permissions_resource_filter.py holds the three together.

    Visitors: published public ones. Admins: every one. Members: published public and members-only ones, and
    theme-only ones of their themes (courses they take, took or wait for; themes they lead). Theme leads also
    see their themes' drafts and retired items."""
    if obj is None:
        return False
    published = obj.status == "published"
    if not _signed_in(member):
        return published and obj.visibility == "public"
    if member.role == "admin":
        return obj.status in ("published", "draft", "retired")
    themes = set(obj.themes)
    if member.role == "theme_lead" and themes & set(member.led_themes):
        return True
    if not published:
        return False
    if obj.visibility in ("public", "members"):
        return True
    return obj.visibility == "theme" and bool(themes & (_course_theme_slugs(member) | set(member.led_themes)))


def member_theme_slugs(member):
    """A selectable of the theme slugs of courses ``member`` has (or had) a place on or is waiting for."""
    from copractice.courses.models import ACTIVE, Course, Enrolment  # courses sit above permissions: import late

    return (select(Course.theme_slug).join(Enrolment, Enrolment.course_id == Course.id)
            .where(Enrolment.member_id == member.id, Enrolment.status.in_(ACTIVE + ("cancelled",))))


def _course_theme_slugs(member):
    return set(db.session.scalars(member_theme_slugs(member)))


def visible_resources(member):
    """SQL condition: the resources ``member`` (or an anonymous visitor) may see and download: the
    ``resource.view`` rule above, for queries."""
    from copractice.library.models import Resource, ResourceTheme  # the library sits above permissions

    published = Resource.status == "published"
    if not _signed_in(member):
        return and_(published, Resource.visibility == "public")
    if member.role == "admin":
        return or_(published, Resource.status.in_(("draft", "retired")))
    themes = aliased(ResourceTheme)  # an alias: queries that join resource_theme must not swallow this
    theme_ok = exists().where(themes.resource_id == Resource.id,
                              or_(themes.theme_slug.in_(member_theme_slugs(member)),
                                  themes.theme_slug.in_(sorted(member.led_themes)) if member.led_themes
                                  else false()))
    shown = and_(published, or_(Resource.visibility.in_(("public", "members")),
                                and_(Resource.visibility == "theme", theme_ok)))
    if member.role == "theme_lead" and member.led_themes:
        led = aliased(ResourceTheme)
        curated = exists().where(led.resource_id == Resource.id, led.theme_slug.in_(sorted(member.led_themes)))
        return or_(shown, curated)  # theme leads also see their themes' drafts and retired items
    return shown


def visible_keys(member):
    """``visible_resources`` for published resources, said in search-row keys (library.search.keys_for): (keys a
    row must all have, keys of which it needs one)."""
    if not _signed_in(member):
        return ["shown:public"], []
    if member.role == "admin":
        return ["published"], []
    themes = _course_theme_slugs(member) | set(member.led_themes or ())
    return [], ["shown:public", "shown:members"] + [f"shown:theme:{slug}" for slug in sorted(themes)]


# -- the community's spaces (copractice/community) ----------------------------------------------------------

def _space_role(member, space):
    """The member's part in ``space`` ("lead", "moderator", "member") or None: from the space's roles when
    they are loaded, else one look-up."""
    if not _signed_in(member):
        return None
    if "roles" not in inspect(space).unloaded:
        return next((r.role for r in space.roles if r.member_id == member.id), None)
    from copractice.community.models import SpaceRole  # the community sits above permissions: import late

    return db.session.scalar(select(SpaceRole.role).where(SpaceRole.space_id == space.id,
                                                          SpaceRole.member_id == member.id))


def _leads_space(member, space):
    """Admins; the space's leads; a theme's lead in that theme's space."""
    return _is_admin(member) or (_signed_in(member) and (
        (space.theme_slug is not None and member.role == "theme_lead" and space.theme_slug in member.led_themes)
        or _space_role(member, space) == "lead"))


@_rule("space.view")
def _may_view_space(member, obj):
    """Reading a space and its topics (obj is a Space). ``visible_spaces`` says the same in SQL.

    Open spaces: anyone. Members-only: any signed-in member. Private: its invited members, moderators and
    leads, the theme's lead for a theme's space, and admins. An archived space stays readable to those."""
    if obj is None:
        return False
    if obj.visibility == "open":
        return True
    if not _signed_in(member):
        return False
    if obj.visibility == "members":
        return True
    return _leads_space(member, obj) or _space_role(member, obj) is not None


@_rule("space.lead")
def _may_lead_space(member, obj):
    """Running a space (obj is a Space): editing it, naming moderators, announcing, pinning, closing, moving
    and splitting topics. Admins, its leads, and the lead of the theme it belongs to."""
    return obj is not None and _leads_space(member, obj)


@_rule("space.moderate")
def _may_moderate_space(member, obj):
    """Moderating a space (obj is a Space): held posts, flags, hiding and restoring, stopping a member posting.
    Those who lead it, and its moderators."""
    return obj is not None and (_leads_space(member, obj) or _space_role(member, obj) == "moderator")


@_rule("spaces.create")
def _may_create_spaces(member, obj):
    """Making a new space: admins."""
    return _is_admin(member)


@_rule("space.edit")
def _may_edit_space(member, obj):
    """Changing a space's name, description, guidelines, readers and safeguarding lead: admins."""
    return _is_admin(member)


@_rule("community.post", "community.run")
def _community_member(member, obj):
    """Routes of the community that a signed-in member may open; what they may do there is asked of the space
    (``space.view``, ``space.lead``) and of the posting rules (copractice/community/safety.py)."""
    return _signed_in(member)


def visible_spaces(member):
    """SQL condition on Space: the spaces ``member`` (or an anonymous visitor) may read: ``space.view`` for
    queries (topic lists, search, digests)."""
    from copractice.community.models import Space, SpaceRole  # the community sits above permissions

    if not _signed_in(member):
        return Space.visibility == "open"
    if member.role == "admin":
        return true()
    invited = exists().where(SpaceRole.space_id == Space.id, SpaceRole.member_id == member.id)
    led = (Space.theme_slug.in_(sorted(member.led_themes)) if member.role == "theme_lead" and member.led_themes
           else false())
    return or_(Space.visibility.in_(("open", "members")), invited, led)


# -- mentoring and co-production buddies (copractice/community/mentoring.py) --------------------------------

@_rule("mentoring.view", "mentoring.offer", "mentoring.ask", "mentoring.open_request")
def _may_use_mentoring(member, obj):
    """Your own mentoring page, offering to be a mentor or buddy, asking for one, and opening a request sent to
    you or made by you (the request itself is checked with ``mentoring.follow`` and the rules below): members."""
    return _signed_in(member)


@_rule("mentoring.follow")
def _may_follow_mentor_request(member, obj):
    """Seeing a request for a mentor or buddy (obj is a MentorRequest): the person who asked, and the person it
    was sent to (then their partner in the pair)."""
    return obj is not None and _signed_in(member) and member.id in (obj.member_id, obj.mentor_id)


@_rule("mentoring.send")
def _may_send_mentor_request(member, obj):
    """Sending a request to someone suggested, and withdrawing it: the person who asked."""
    return obj is not None and _signed_in(member) and obj.member_id == member.id


@_rule("mentoring.answer")
def _may_answer_mentor_request(member, obj):
    """Accepting or declining a request: the person it was sent to, while it waits for their answer."""
    return obj is not None and _signed_in(member) and obj.status == "asked" and obj.mentor_id == member.id


@_rule("mentoring.end")
def _may_end_pair(member, obj):
    """Ending a pair: either side of it, while it is active."""
    return (obj is not None and _signed_in(member) and obj.status == "active"
            and member.id in (obj.member_id, obj.mentor_id))


@_rule("mentoring.report")
def _may_see_mentoring_report(member, obj):
    """The report of pairs and waiting requests: admins (every theme), theme leads (the themes they lead; obj
    may name a theme)."""
    if _is_admin(member):
        return True
    return _signed_in(member) and member.role == "theme_lead" and (obj is None or obj in member.led_themes)


# -- messages between members (copractice/community/messages.py) -------------------------------------------

@_rule("messages.read", "messages.send", "messages.block")
def _messages_of_own(member, obj):
    """A member's own conversations: reading them, writing, blocking people. Who may be written to is decided
    by community/messages.py (young people, blocks, closed accounts, plugins)."""
    return _signed_in(member)


@_rule("conversation.view")
def _in_conversation(member, obj):
    """Reading, replying in, leaving a conversation and reporting its messages (obj is a Conversation): the people
    in it now. Nobody else, admins included: they see only the messages reported to them."""
    return obj is not None and _signed_in(member) and member.id in obj.current_member_ids()


@_rule("messages.reports")
def _may_handle_message_reports(member, obj):
    """Reported messages, and marking a report dealt with: admins."""
    return _is_admin(member)


@_rule("directory.view", "directory.edit_entry")
def _member_directory(member, obj):
    """The member directory (copractice/community/directory.py): signed-in members only; visitors log in first.
    Who appears in it is the directory's own rule (consent, age, account), not a permission."""
    return _signed_in(member)


def can(member, action, obj=None):
    """True when ``member`` (a Member, an anonymous user or None) may do ``action`` to ``obj``."""
    try:
        decide = _RULES[action]
    except KeyError:
        raise LookupError(f"unknown permission action {action!r}") from None
    return bool(decide(member, obj))


def known_actions():
    return sorted(_RULES)


def require(action, obj=None):
    """Stop the request unless the current member may do ``action``: anonymous people are sent to log in."""
    if can(current_user, action, obj):
        return
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    abort(403)


def permission_required(action):
    """View decorator form of ``require`` for actions that need no object."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            require(action)
            return view(*args, **kwargs)

        wrapped.permission = action  # tests check every view declares one
        return wrapped

    return decorate


# -- watching spaces and topics, community email (copractice/community/watching.py) ---------------------------

@_rule("community.watch", "account.community_email")
def _may_watch(member, obj):
    """Choosing a watch level (the view then asks ``space.view`` for the space) and how community email comes:
    any signed-in member."""
    return _signed_in(member)


# -- keeping the community safe (copractice/community/safety.py, moderation.py) ------------------------------

@_rule("community.flag_posts", "community.moderation")
def _community_member(member, obj):
    """Routes of the community's safety pages: signed-in members; each then asks ``space.view`` (flagging a post
    they can read) or ``space.moderate`` / ``flag.review`` (moderation pages) of the space itself."""
    return _signed_in(member)


@_rule("community.moderation_link")
def _may_see_moderation_link(member, obj):
    """The links to the moderation queue (the community home page, the admin dashboard): admins, theme leads (who
    lead their theme's space), and members named lead or moderator of a space. The queue then lists only the
    spaces each moderates (``space.moderate``)."""
    if _is_admin(member):
        return True
    if not _signed_in(member):
        return False
    if member.role == "theme_lead":
        return True
    from copractice.community.models import SpaceRole  # the community sits above permissions: import late

    return db.session.scalar(select(SpaceRole.id).where(
        SpaceRole.member_id == member.id, SpaceRole.role.in_(("lead", "moderator"))).limit(1)) is not None


@_rule("flag.review")
def _may_review_flag(member, obj):
    """Reading and dealing with a flag (obj is a PostFlag): the moderators of its post's space. A safeguarding
    concern is for fewer people: the space's named safeguarding lead, its leads and admins, not every moderator."""
    if obj is None or not _signed_in(member):
        return False
    space = obj.post.topic.space
    if obj.reason != "safeguarding":
        return _may_moderate_space(member, space)
    return space.safeguarding_lead_id == member.id or _leads_space(member, space)


@_rule("posting.stop_everywhere", "member.set_under_18")
def _admins_only_community(member, obj):
    """Stopping a member posting in every space, and saying a member is under 18: admins."""
    return _is_admin(member)


# -- groups and their meetings (copractice/meetings) -------------------------------------------------------

def group_part(member, group):
    """The member's place in ``group`` as (role, status) — role "member", "chair" or "secretary"; status
    "invited", "active" or "left" — or None: from the group's memberships when loaded, else one look-up."""
    if not _signed_in(member) or group is None:
        return None
    if "memberships" not in inspect(group).unloaded:
        return next(((m.role, m.status) for m in group.memberships if m.member_id == member.id), None)
    from copractice.meetings.models import GroupMember  # meetings sit above permissions: import late

    row = db.session.execute(select(GroupMember.role, GroupMember.status).where(
        GroupMember.group_id == group.id, GroupMember.member_id == member.id)).first()
    return tuple(row) if row else None


def _runs_group(member, group):
    """Admins; the lead of the group's theme; the group's chairs and secretary."""
    if group is None or not _signed_in(member):
        return False
    if _is_admin(member) or (group.theme_slug is not None and member.role == "theme_lead"
                             and group.theme_slug in (member.led_themes or ())):
        return True
    return group_part(member, group) in (("chair", "active"), ("secretary", "active"))


@_rule("groups.view")
def _may_list_groups(member, obj):
    """The list of groups (each one shown is asked ``group.view``) and a member's own groups: members."""
    return _signed_in(member)


@_rule("groups.create")
def _may_create_groups(member, obj):
    """Setting up a group: admins, and theme leads (for a theme they lead; obj may name the theme)."""
    if _is_admin(member):
        return True
    if not _signed_in(member) or member.role != "theme_lead":
        return False
    return obj is None or obj in (member.led_themes or ())


@_rule("group.view")
def _may_view_group(member, obj):
    """A group's page, its meetings, papers and approved minutes (obj is a Group): its members (invited ones
    too, so they can accept), those who run it, and — for a group open to join — any signed-in member."""
    if obj is None or not _signed_in(member):
        return False
    if obj.joining == "open" or _runs_group(member, obj):
        return True
    part = group_part(member, obj)
    return part is not None and part[1] in ("active", "invited")


@_rule("group.run")
def _may_run_group(member, obj):
    """Running a group (obj is a Group): its members and invitations, its meetings, agenda, papers, the register,
    minutes, decisions and actions, and its "you said, we did" log. Chairs, the secretary, the lead of its theme
    and admins."""
    return _runs_group(member, obj)


@_rule("group.action_status")
def _may_change_action(member, obj):
    """Changing an action's status (obj is a MeetingAction): its owner (to open, in progress or done) and those
    who run its group (any status; copractice.meetings.minutes.may_set_status says which)."""
    if obj is None or not _signed_in(member):
        return False
    return obj.owner_id == member.id or _runs_group(member, obj.group)


@_rule("group.public_log")
def _may_read_group_log(member, obj):
    """A group's public "you said, we did" log (obj is a Group): anyone, visitors included."""
    return obj is not None


# -- the partnership map (copractice/meetings/organisations.py, issue 15 point 5) -----------------------------------

@_rule("partnerships.view")
def _may_view_partnerships(member, obj):
    """The partnership map, its gap view and its exports: theme leads and admins (staff who map partners; a
    named contact is personal data, so not members or visitors)."""
    return _is_admin(member) or (_signed_in(member) and member.role == "theme_lead")


@_rule("partnerships.add")
def _may_add_organisations(member, obj):
    """Adding an organisation: admins, and theme leads who lead a theme (it must include one of theirs)."""
    return _is_admin(member) or (_signed_in(member) and member.role == "theme_lead" and bool(member.led_themes))


@_rule("organisation.edit")
def _may_edit_organisation(member, obj):
    """Changing an organisation (obj is an Organisation): admins, and the leads of a theme it is mapped to."""
    if obj is None:
        return False
    if _is_admin(member):
        return True
    return _signed_in(member) and member.role == "theme_lead" and bool(set(obj.themes) & set(member.led_themes))


# -- involvement of public contributors (copractice/involvement/, issue 17) -----------------------------------

@_rule("involvement.view", "involvement.express_interest", "involvement.mine", "involvement.choose")
def _may_take_part(member, obj):
    """Opportunities to get involved, saying you are interested, your own involvement and your payment choice:
    signed-in members (the operations check an involvement is the member's own)."""
    return _signed_in(member)


@_rule("involvement.organise")
def _may_organise_involvement(member, obj):
    """Setting up opportunities and the list of those you organise: admins, theme leads, facilitators, and
    anyone who runs a course or a group."""
    if _rank(member) >= ROLE_RANK["facilitator"] or (_signed_in(member) and _runs_a_course(member)):
        return True
    if not _signed_in(member):
        return False
    from copractice.meetings.models import GroupMember  # meetings sit above permissions: import late

    return bool(db.session.scalar(select(exists().where(
        GroupMember.member_id == member.id, GroupMember.status == "active",
        GroupMember.role.in_(("chair", "secretary"))))))


@_rule("opportunity.manage")
def _may_manage_opportunity(member, obj):
    """Choosing who takes part in an opportunity (obj is an Opportunity), and offering payment: admins, the lead
    of its theme, the facilitators (and managers) of its session's course, those who run its meeting's group."""
    if obj is None or not _signed_in(member):
        return False
    if _is_admin(member):
        return True
    if obj.theme_slug is not None and member.role == "theme_lead" and obj.theme_slug in (member.led_themes or ()):
        return True
    if obj.session is not None and (_manages_course(member, obj.session.course)
                                    or _facilitates(member, obj.session.course)):
        return True
    return obj.meeting is not None and _runs_group(member, obj.meeting.group)


@_rule("rates.manage")
def _may_manage_rates(member, obj):
    """Payment and expense rates: admins only (they are the programme's money)."""
    return _is_admin(member)


# -- claims for payment of public contributors (copractice/involvement/claims.py, finance.py; issue 17) ----------

def _is_finance_staff(member):
    """Named finance staff (copractice.involvement.claims_models.FinanceStaff): one look-up, only when asked."""
    if not _signed_in(member):
        return False
    from copractice.involvement.claims_models import FinanceStaff  # involvement sits above permissions

    return db.session.get(FinanceStaff, member.id) is not None


@_rule("claims.own")
def _may_see_own_claims(member, obj):
    """A contributor's own claims, expenses, receipts and yearly statement: any signed-in member (each claim is
    then checked to be theirs, else not found)."""
    return _signed_in(member)


@_rule("claims.finance", "claims.reports")
def _may_handle_claims(member, obj):
    """Approving and querying claims, exporting batches to finance, recording them paid, seeing any receipt, and
    the money reports: admins and named finance staff."""
    return _is_admin(member) or _is_finance_staff(member)


@_rule("claims.finance_staff")
def _may_name_finance_staff(member, obj):
    """Naming who else may approve and export claims: admins."""
    return _is_admin(member)


# -- impact and equality monitoring (copractice/measurement/impact.py, equality.py; issue 16 points 6 and 7) -------

@_rule("impact.view")
def _may_view_impact(member, obj):
    """The impact log, the yearly impact report and its exports, and the projects' GRIPP2 records: theme leads
    and admins (staff who report the programme's impact; every figure is suppressed below the threshold)."""
    return _is_admin(member) or (_signed_in(member) and member.role == "theme_lead")


@_rule("impact.record")
def _may_record_impact(member, obj):
    """Adding to the impact log or setting up a project: admins, and theme leads (obj may name a theme, which must
    be one they lead)."""
    if _is_admin(member):
        return True
    if not (_signed_in(member) and member.role == "theme_lead"):
        return False
    return obj is None or obj in (member.led_themes or ())


@_rule("impact.edit_entry")
def _may_edit_impact_entry(member, obj):
    """Changing or removing an impact log entry (obj is an ImpactEntry): admins, the lead of its theme, its author."""
    if obj is None or not _signed_in(member):
        return False
    if _is_admin(member) or obj.created_by_id == member.id:
        return True
    return member.role == "theme_lead" and obj.theme_slug in (member.led_themes or ())


@_rule("project.view")
def _may_view_project(member, obj):
    """A project's GRIPP2 record and its PDF and Markdown exports (obj is an ImpactProject): its leads, theme leads
    and admins."""
    if obj is None or not _signed_in(member):
        return False
    return _is_admin(member) or member.role == "theme_lead" or member.id in obj.lead_ids


@_rule("project.edit")
def _may_edit_project(member, obj):
    """Filling in a project's GRIPP2 record (obj is an ImpactProject): its leads, the lead of its theme, admins."""
    if obj is None or not _signed_in(member):
        return False
    if _is_admin(member) or member.id in obj.lead_ids:
        return True
    return member.role == "theme_lead" and obj.theme_slug in (member.led_themes or ())


@_rule("account.equality", "project.open")
def _may_answer_equality(member, obj):
    """A member's own equality monitoring form (only ever about themselves); and opening a project's record, whose
    page then asks ``project.view`` of the project: any signed-in member."""
    return _signed_in(member)


@_rule("equality.report")
def _may_see_equality_report(member, obj):
    """The equality monitoring report (suppressed counts only, never a person's answers): admins."""
    return _is_admin(member)


# -- co-production self-assessment and co-agreed standards (copractice/measurement, issue 16 points 4 and 5) --------

def _active_in_group(member, group):
    return group_part(member, group) in (("member", "active"), ("chair", "active"), ("secretary", "active"))


@_rule("assessment.index")
def _may_list_assessments(member, obj):
    """The list of one's teams' self-assessments and agreed standards: signed-in members (each team shown is
    asked ``assessment.view``)."""
    return _signed_in(member)


@_rule("assessment.view", "standards.view")
def _may_view_assessment(member, obj):
    """A team's self-assessment results and trend, its agreed standards, measures and their exports (obj is a
    Group): the team's active members and those who run it (chairs, secretary, its theme's lead, admins)."""
    if obj is None or not _signed_in(member):
        return False
    return _runs_group(member, obj) or _active_in_group(member, obj)


@_rule("assessment.take_part")
def _may_rate_team(member, obj):
    """Rating one's team in a self-assessment round (obj is a Group): its active members, each for themselves."""
    return obj is not None and _signed_in(member) and _active_in_group(member, obj)


@_rule("assessment.run", "standards.edit")
def _may_run_assessment(member, obj):
    """Starting and closing self-assessment rounds, and agreeing standards, measures and who designed and monitors
    them (obj is a Group): the team's chairs and secretary, the lead of its theme, and admins."""
    return _runs_group(member, obj)


@_rule("measure.record")
def _may_record_measurement(member, obj):
    """Entering a measurement (obj is a StandardMeasure): those who run its group, and members named as monitoring
    it who are still active in the group."""
    if obj is None or not _signed_in(member):
        return False
    group = obj.standard.group
    if _runs_group(member, group):
        return True
    return _active_in_group(member, group) and any(
        p.part == "monitors" and p.member_id == member.id for p in obj.people)


# -- surveys (copractice/measurement/survey_views.py, issue 16 point 1) ---------------------------------------------

@_rule("surveys.answer")
def _may_answer_surveys(member, obj):
    """Open surveys and answering them: signed-in members (people without an account answer through an
    invitation link, whose signed token is the check)."""
    return _signed_in(member)


@_rule("surveys.manage")
def _may_make_surveys(member, obj):
    """The surveys organisers make and the templates: admins, and theme leads (for a theme they lead; obj may name
    the theme, None for the page)."""
    if _is_admin(member):
        return True
    if not (_signed_in(member) and member.role == "theme_lead"):
        return False
    return obj is None or obj in (member.led_themes or ())


@_rule("survey.manage")
def _may_manage_survey(member, obj):
    """Building a survey, opening and closing it, invitation links and its results (obj is a Survey): admins, and
    the leads of its theme."""
    if obj is None:
        return False
    if _is_admin(member):
        return True
    return (_signed_in(member) and member.role == "theme_lead" and obj.theme_slug is not None
            and obj.theme_slug in (member.led_themes or ()))


# -- course evaluation (copractice/measurement/evaluation_views.py, issue 16 point 3) ---------------------------------

@_rule("evaluation.answer")
def _may_answer_evaluation(member, obj):
    """A course's before, after and follow-up surveys and your own change: signed-in members (the service checks
    that they are on the course and that the survey is open to them now)."""
    return _signed_in(member)


@_rule("evaluation.manage")
def _may_manage_evaluation(member, obj):
    """Setting up a course's evaluation and reading its paired report (obj is a Course): those who manage it; with
    no obj (the page, before the course is looked up) admins and theme leads."""
    if obj is None:
        return _is_admin(member) or (_signed_in(member) and member.role == "theme_lead")
    return _manages_course(member, obj)


@_rule("evaluation.theme_report")
def _may_read_theme_evaluation(member, obj):
    """The paired report of a theme's courses (obj is the theme's slug, None for the page): admins, and the leads
    of that theme."""
    if _is_admin(member):
        return True
    if not (_signed_in(member) and member.role == "theme_lead"):
        return False
    return obj is None or obj in (member.led_themes or ())
