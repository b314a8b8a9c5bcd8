"""Watching spaces and topics, @mentions, notices and digests (issue 14 point 3).

``post_published(post)`` is called (through community/events.py) once for every post that becomes visible.
"""


def post_published(post):
    """Tell the people watching ``post``'s topic or space, and those it mentions: written by the watching work."""
