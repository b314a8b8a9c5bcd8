"""Community safety hooks for tests/test_community_safety.py: a posting rule, a flag listener, a young-person rule."""
from copractice.plugin_api import hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2

FLAGS = []


@hookimpl
def copractice_may_post(app, member, space):
    if space.name == "Consent needed":
        return ["A parent or guardian needs to agree before you post here."]
    return None


@hookimpl
def copractice_flag_raised(app, flag):
    FLAGS.append((flag.post_id, flag.member_id, flag.reason))


@hookimpl
def copractice_is_young(app, member):
    return True if member.name.startswith("Young by plugin") else None
