"""The naming rules a plugin must keep to be loaded, checked as it loads (as Indico checks its plugins).

A plugin called ``<name>`` keeps to its own corner of the site:

- its tables are named ``<name>_*`` (every model class defined in the plugin's modules; a package's
  ``models`` module is imported to find them);
- its blueprints are named ``<name>`` or ``<name>_*`` (so are their endpoints, e.g. ``dementia.index``);
- every template in a blueprint's template folder is under ``<name>/`` (``render_template("<name>/page.html")``),
  so it can never hide a core template or another plugin's;
- the configuration keys it declares in ``COPRACTICE_CONFIG`` (a dict of defaults) start with ``<NAME>_``
  (set in the environment as ``COPRACTICE_<NAME>_...``).

A plugin that breaks a rule is not loaded; the Plugins page says which rule, in plain English.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Iterable
from types import ModuleType

from flask import Blueprint, Flask
from sqlalchemy import Table


def naming_problem(name: str, module: ModuleType, app: Flask, blueprints: Iterable[Blueprint]) -> str | None:
    """Which naming rule plugin ``name`` breaks, as a sentence for the Plugins page; None when it keeps them all."""
    blueprints = list(blueprints)
    return (_table_problem(name, module) or _blueprint_problem(name, blueprints)
            or _template_problem(name, blueprints) or _config_problem(name, module))


def plugin_modules(module: ModuleType) -> list[ModuleType]:
    """The plugin's module and, for a package, every module under it imported so far (its models imported first)."""
    home = module.__name__
    if not hasattr(module, "__path__"):
        return [module]
    try:
        if importlib.util.find_spec(f"{home}.models") is not None:
            importlib.import_module(f"{home}.models")
    except ImportError:
        pass
    return [found for found_name, found in list(sys.modules.items())
            if found is not None and (found_name == home or found_name.startswith(home + "."))]


def plugin_tables(module: ModuleType) -> list[str]:
    """Names of the tables of the model classes defined in the plugin's modules."""
    names = []
    for found in plugin_modules(module):
        for value in list(vars(found).values()):
            if isinstance(value, type) and value.__module__ == found.__name__:
                table = value.__dict__.get("__table__")
                if isinstance(table, Table) and table.name not in names:
                    names.append(table.name)
    return names


def _table_problem(name: str, module: ModuleType) -> str | None:
    for table in plugin_tables(module):
        if not table.startswith(f"{name}_"):
            return (f"Not loaded: a plugin's tables must be named {name}_ and then a word, "
                    f"and its table {table!r} is not.")
    return None


def _blueprint_problem(name: str, blueprints: list[Blueprint]) -> str | None:
    for blueprint in blueprints:
        if blueprint.name != name and not blueprint.name.startswith(f"{name}_"):
            return (f"Not loaded: a plugin's blueprints must be named {name} or {name}_ and then a word, "
                    f"and its blueprint {blueprint.name!r} is not.")
    return None


def _template_problem(name: str, blueprints: list[Blueprint]) -> str | None:
    for blueprint in blueprints:
        if not blueprint.template_folder:
            continue
        folder = os.path.join(blueprint.root_path, str(blueprint.template_folder))
        for root, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
            for file in files:
                path = os.path.relpath(os.path.join(root, file), folder).replace(os.sep, "/")
                if not file.startswith(".") and not path.startswith(f"{name}/"):
                    return (f"Not loaded: a plugin's templates must be in a folder called {name} inside its "
                            f"templates folder, and {path!r} is not.")
    return None


def _config_problem(name: str, module: ModuleType) -> str | None:
    declared = getattr(module, "COPRACTICE_CONFIG", None) or {}
    if not isinstance(declared, dict):
        return "Not loaded: COPRACTICE_CONFIG must be a dict of configuration keys and their defaults."
    prefix = f"{name.upper()}_"
    for key in declared:
        if not isinstance(key, str) or not key.startswith(prefix):
            return f"Not loaded: a plugin's configuration keys must start with {prefix}, and {key!r} does not."
    return None
