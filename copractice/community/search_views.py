"""The community's search page: /community/search (every word must match; only what the searcher may read)."""
from flask import Blueprint, render_template, request, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from copractice.community import search as community_search
from copractice.inputs import page_arg
from copractice.permissions import permission_required

bp = Blueprint("community_search", __name__)


@bp.route("/community/search")
@permission_required("site.view")
def search():
    """Find posts and topics by their words, in every space the person may read or in one of them."""
    query = (request.args.get("q") or "").strip()[:200]
    spaces = community_search.readable_spaces(current_user)
    chosen = (request.args.get("space") or "").strip()
    space_ids = [row.id for row in spaces if row.slug == chosen] or None
    if space_ids is None:
        chosen = ""  # none, or not a space this person may read: search all they may read, say nothing about it
    results = community_search.search(current_user, query, space_ids, page=page_arg())
    args = {name: value for name, value in (("q", query), ("space", chosen)) if value}
    return render_template("community/search.html", query=query, spaces=spaces, chosen=chosen, results=results,
                           args=args, max_counted=community_search.MAX_COUNTED, topic_href=_topic_href)


def _topic_href(topic_id):
    """A topic's address (the URL contract: /community/topics/<id>), through the forum's endpoint when it is there."""
    try:
        return url_for("community.topic", topic_id=topic_id)
    except BuildError:
        return f"/community/topics/{int(topic_id)}"
