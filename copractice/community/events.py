"""What happens when a post becomes visible to readers, in one place.

``post_published(post)`` is called by the posting operations when a post is published at once, and by
moderation when a held post is let through: never for a held or hidden post. It tells watchers and the people
@mentioned (community/watching.py), and the plugins (hook ``copractice_post_created``). Everything it does is
written in the caller's transaction.
"""
from copractice.community import watching
from copractice.plugins import get_plugins


def post_published(post):
    watching.post_published(post)
    get_plugins().call("copractice_post_created", post=post)  # SKIP: a plugin that raises is left out
