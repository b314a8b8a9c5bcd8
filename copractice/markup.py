"""Markdown as the site shows it: rendered by markdown-it (no raw HTML), then cleaned by nh3.

Course descriptions, space guidelines and community posts all go through ``render_markdown``; the templates'
``markdown`` filter is the same function.
"""
import functools

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False})


@functools.lru_cache(maxsize=512)
def render_markdown(text):
    """Markdown to HTML, then cleaned by nh3 so nothing unsafe survives (a pure function of the text, so the
    few descriptions shown over and over are rendered once per worker)."""
    return Markup(nh3.clean(_markdown.render(text or ""), link_rel="noopener noreferrer nofollow"))


def render_post(text):
    """A post's Markdown as sanitised HTML, not cached: every post is different (stored once, when written)."""
    return nh3.clean(_markdown.render(text or ""), link_rel="noopener noreferrer nofollow")
