"""The realtime.js reference documents exactly the public API of realtime.js.

``realtime_js_api.mjs`` lists what the file exports, by loading it in Node: each class
with its public methods, static functions and attributes. The page's JavaScript
objects (``js:class``, ``js:method``, ...) are read from the built site's inventory.
"""

import json
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from sphinx.util.inventory import InventoryFile

from .site import ROOT, Build

NODE = shutil.which("node")
SCRIPT = Path(__file__).with_name("realtime_js_api.mjs")
REALTIME_JS = ROOT / "realtime_core" / "static" / "realtime_core" / "realtime.js"


@pytest.fixture(scope="module")
def api() -> dict[str, Any]:
    if NODE is None:
        pytest.skip("node is not installed (it reads realtime.js's exports)")
    done = subprocess.run(
        [NODE, str(SCRIPT), str(REALTIME_JS)],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def documented(site: Build) -> dict[str, dict[str, set[str]]]:
    """The page's objects: top-level ``classes``/``data``, and each class's members by kind."""
    with (site.html / "objects.inv").open("rb") as inventory:
        objects = InventoryFile.load(inventory, "", lambda base, uri: uri)
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for kind, entries in objects.items():
        domain, _, objtype = kind.partition(":")
        if domain != "js":
            continue
        for name in entries:
            owner, _, member = name.rpartition(".")
            if not owner:
                found[""][objtype].add(name)
            elif objtype == "function":  # a static function: "Class.Class.name"
                cls, _, static_owner = owner.partition(".")
                assert static_owner == cls, name
                found[cls]["static"].add(member)
            else:
                found[owner][objtype].add(member)
    return found


def test_the_page_documents_every_export(site: Build, api: dict[str, Any]) -> None:
    top = documented(site)[""]
    exported_classes = {name for name in api["exports"] if name in api["classes"]}
    assert top["data"] | exported_classes == set(api["exports"])
    # Documented classes: the exported ones and the bases they inherit methods from.
    assert top["class"] == set(api["classes"])


def test_every_class_member_is_documented_and_exists(site: Build, api: dict[str, Any]) -> None:
    pages = documented(site)
    for name, members in api["classes"].items():
        page = pages[name]
        assert page["method"] == set(members["methods"]), f"{name}'s methods"
        assert page["static"] == set(members["static"]), f"{name}'s static functions"
        assert page["attribute"] == set(members["attributes"]), f"{name}'s attributes"
