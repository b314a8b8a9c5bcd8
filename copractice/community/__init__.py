"""The community of practice (issue 14): spaces, topics and posts; watching and digests; moderation and
safety; the member directory; messages between members; mentoring and co-production buddies.

models.py holds what every part stands on (Space, SpaceRole, Topic, Post); each part keeps its own
tables, rules and views in its own modules (posting, watching, safety, search, directory, messages,
mentoring). Who may see a space is decided in copractice/permissions.py (``space.view`` and the SQL
``visible_spaces``), once for every page, search and digest.
"""
