"""Theme pages: what each theme offers, who leads it, and what is coming up."""
from flask import Blueprint, abort, render_template
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from copractice.courses.models import Course, Session
from copractice.extensions import db
from copractice.members.models import Member, ThemeLeadership
from copractice.permissions import permission_required
from copractice.plugins import get_plugins
from copractice.timeutil import utcnow

bp = Blueprint("themes", __name__)


@bp.route("/themes")
@permission_required("site.view")
def index():
    """Every theme the site runs."""
    themes = sorted(get_plugins().themes().values(), key=lambda t: (t.slug != "cross-cutting", t.name))
    return render_template("themes/index.html", themes=themes)


@bp.route("/themes/<slug>")
@permission_required("site.view")
def theme(slug):
    """A theme's landing page: its courses, resources, leads and upcoming sessions (a fixed number of queries)."""
    from copractice.library import operations as library

    theme = get_plugins().themes().get(slug)
    if theme is None:
        abort(404)  # unknown, or its plugin is disabled
    now = utcnow()
    courses = db.session.scalars(select(Course).where(Course.theme_slug == slug, Course.status == "published")
                                 .order_by(Course.title)).all()
    upcoming = db.session.execute(
        select(Session, Course).join(Course, Course.id == Session.course_id)
        .where(Course.theme_slug == slug, Course.status == "published", Session.starts_at > now)
        .order_by(Session.starts_at).limit(8)).all()
    leads = db.session.scalars(select(Member).join(ThemeLeadership, ThemeLeadership.member_id == Member.id)
                               .where(ThemeLeadership.theme_slug == slug, Member.erased_at.is_(None))
                               .order_by(Member.name).options(selectinload(Member.leaderships))).all()
    resources = library.most_used(current_user, slug, limit=6)
    return render_template("themes/theme.html", theme=theme, courses=courses, upcoming=upcoming, leads=leads,
                           resources=resources)
