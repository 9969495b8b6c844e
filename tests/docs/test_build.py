"""The site builds without a warning, every reference resolved (``make docs``)."""

from .site import Build


def test_the_site_builds_without_warnings(site: Build) -> None:
    assert site.returncode == 0, f"sphinx-build -W -n failed:\n{site.output}"
    assert "WARNING" not in site.output, site.output
    assert (site.html / "index.html").is_file()
