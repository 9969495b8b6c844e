"""The documentation site, built once for every test of ``tests/docs``."""

import sys
from pathlib import Path

import pytest

from .site import DOCS, Build, build

# The tests compare the site with the code through the docs' own extension's helpers.
sys.path.insert(0, str(DOCS / "_ext"))


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Build:
    return build(Path(tmp_path_factory.mktemp("docs")))
