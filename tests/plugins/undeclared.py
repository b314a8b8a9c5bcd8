"""A plugin that does not say what it supports."""
