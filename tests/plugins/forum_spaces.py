"""A plugin for tests/test_community_*.py: brings a theme's space and records the posts it is told about."""
from copractice.plugin_api import SpaceSpec, Theme, hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2

CREATED = []  # (post id, status) for every copractice_post_created call


@hookimpl
def copractice_themes(app):
    return [Theme(slug="memory-walks", name="Memory walks")]


@hookimpl
def copractice_spaces(app):
    return [SpaceSpec(slug="memory-walks", name="Memory walks space", theme_slug="memory-walks",
                      description="Walks that help.", guidelines="Walk **kindly**.", visibility="open")]


@hookimpl
def copractice_post_created(app, post):
    CREATED.append((post.id, post.status, post.topic.title))
