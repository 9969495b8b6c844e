"""Sphinx configuration of the documentation site (``make docs``).

The pages are Markdown (MyST). The reference pages generate their tables from the
code through the directives of ``docs/_ext/realtime_docs``, and autodoc imports the
package with the test suite's Django settings (``tests.settings``: the memory backend,
SQLite in memory), so nothing needs to run or be configured to build the site.
"""

import os
import sys
from pathlib import Path

import django

DOCS = Path(__file__).resolve().parent
sys.path[:0] = [str(DOCS.parent), str(DOCS / "_ext")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
django.setup()

project = "django-realtime-core"
author = "django-realtime-core developers"
copyright = "django-realtime-core developers"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "realtime_docs",
]

root_doc = "index"
exclude_patterns = ["_build", "_ext"]
# Every reference must resolve; `make docs` and tests/docs build with -W -n.
nitpicky = True
# The site has no inventories of Python's and Django's documentation (building it
# needs no network), so references to their types in signatures cannot resolve.
nitpick_ignore = [
    # Python's standard library, in annotations.
    ("py:class", "collections.abc.Callable"),
    ("py:class", "collections.abc.Collection"),
    ("py:class", "collections.abc.Iterable"),
    ("py:class", "collections.abc.Iterator"),
    ("py:class", "collections.abc.Mapping"),
    ("py:class", "collections.abc.Sequence"),
    # Django's types, in annotations (some under the names the modules import them by).
    ("py:class", "AbstractBaseUser"),
    ("py:class", "AnonymousUser"),
    ("py:class", "django.core.exceptions.ImproperlyConfigured"),
    ("py:class", "django.core.management.color.Style"),
    ("py:class", "django.db.models.base.Model"),
    ("py:class", "django.db.models.query.QuerySet"),
    ("py:class", "django.http.request.HttpRequest"),
    ("py:class", "django.http.response.HttpResponse"),
    ("py:class", "django.template.context.Context"),
    ("py:class", "django.urls.resolvers.RoutePattern"),
    ("py:class", "django.utils.safestring.SafeString"),
    ("py:func", "django.urls.register_converter"),
    ("py:class", "forms.ModelForm"),
    ("py:class", "models.Field"),
    ("py:class", "models.Model"),
]

# Quotes stay as written: option values such as 'mt1' or ':' are shown verbatim.
smartquotes = False

myst_enable_extensions = ["colon_fence", "deflist"]
# Headings down to ### get anchors, so [text](page.md#a-heading) links resolve.
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "description"

html_theme = "furo"
html_title = "django-realtime-core"

