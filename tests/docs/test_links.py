"""Every relative link of the site and every link of README.md into docs/ resolves."""

from pathlib import Path

from .links import broken_links_into, broken_site_links, markdown_links
from .site import DOCS, ROOT, Build


def test_every_link_of_the_built_site_resolves(site: Build) -> None:
    assert list(broken_site_links(site.html)) == []


def test_every_link_of_the_readme_into_the_docs_resolves(site: Build) -> None:
    assert list(broken_links_into(ROOT / "README.md", DOCS, site.html)) == []


def test_a_missing_file_or_anchor_is_reported(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.html").write_text('<h1 id="top">A</h1><a href="sub/b.html#top">ok</a>')
    (tmp_path / "sub" / "b.html").write_text(
        '<p id="top"></p><a href="../a.html#gone">x</a><a href="c.html">y</a>'
        '<a href="https://example.com/c.html">z</a><a href="#top">w</a>'
    )
    assert list(broken_site_links(tmp_path)) == [
        "sub/b.html: ../a.html#gone (no such anchor)",
        "sub/b.html: c.html (no such file)",
    ]


def test_readme_links_are_read_outside_code() -> None:
    text = 'See [a](docs/a.md#x), `[b](docs/b.md)`, [c](https://e.org "t").\n```\n[d](e.md)\n```\n'
    assert markdown_links(text) == ["docs/a.md#x", "https://e.org"]
