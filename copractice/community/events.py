"""What happens when a post becomes visible to readers, in one place.

``post_published(post)`` is called by the posting operations when a post is published at once, and by
moderation when a held post is let through: never for a held or hidden post. It tells watchers and the people
@mentioned (community/watching.py), and the plugins (hook ``copractice_post_created``, added with the posting
operations). Everything it does is written in the caller's transaction.
"""
from copractice.community import watching


def post_published(post):
    watching.post_published(post)
