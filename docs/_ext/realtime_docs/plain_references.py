"""Type variables and private classes in signatures are shown by name, without a link.

Autodoc turns the ``TypeVar`` of a generic signature (``RouterT``), or the private
class of a public field (``_Kind``), into a reference to something that has no
documentation of its own. This resolves such a reference, in this project's modules
only, to its plain text; every other missing reference is still reported.
"""

import importlib
from typing import Any, TypeVar

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment


def _undocumented_on_purpose(module_name: str, target: str) -> bool:
    """Whether ``target`` (absolute, or relative to ``module_name``) is a project's
    type variable or private name."""
    path, _, name = target.rpartition(".")
    module_name = path or module_name
    if not module_name.startswith("realtime_core"):
        return False
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return False
    if not hasattr(module, name):
        return False
    return name.startswith("_") or isinstance(getattr(module, name), TypeVar)


def resolve_plain(
    app: Sphinx, env: BuildEnvironment, node: pending_xref, contnode: nodes.TextElement
) -> nodes.TextElement | None:
    if node.get("refdomain") != "py":
        return None
    if _undocumented_on_purpose(node.get("py:module") or "", node["reftarget"]):
        return contnode
    return None


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("missing-reference", resolve_plain)
    return {"parallel_read_safe": True}
