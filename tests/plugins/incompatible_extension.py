"""A plugin that extends the dementia theme but needs a copractice from the future: listed as not compatible."""
COPRACTICE_REQUIRES = ">=99"
COPRACTICE_HOOKSPEC_VERSION = 2
COPRACTICE_EXTENDS_THEMES = ("dementia",)
