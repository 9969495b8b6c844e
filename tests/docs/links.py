"""Relative links that do not resolve: in the built site, and from README.md into docs/.

Sphinx reports the Markdown links and cross-references of the pages it reads
(``myst.xref_missing``, a build warning). It is silent about links it does not
resolve itself, such as those of raw HTML in a page, and it never reads README.md:
these checks cover both, the first on the built HTML (every ``href`` of every page,
generated ones included), the second on README.md's Markdown.
"""

import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from .site import Page

_SCHEME = re.compile(r"\A[a-z][a-z0-9+.-]*:", re.IGNORECASE)
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_MARKDOWN_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def is_relative(target: str) -> bool:
    return bool(target) and not _SCHEME.match(target) and not target.startswith("//")


def broken_site_links(html_root: Path) -> Iterator[str]:
    """``page: target`` for every relative ``href`` whose file or anchor is missing."""
    pages: dict[Path, Page] = {}

    def page(path: Path) -> Page:
        if path not in pages:
            pages[path] = Page.read(path)
        return pages[path]

    for path in sorted(html_root.rglob("*.html")):
        for target in page(path).links:
            if not is_relative(target):
                continue
            parts = urllib.parse.urlsplit(target)
            linked = path
            if parts.path:
                linked = (path.parent / urllib.parse.unquote(parts.path)).resolve()
            if not linked.exists():
                yield f"{path.relative_to(html_root)}: {target} (no such file)"
            elif parts.fragment and (linked.is_dir() or linked.suffix == ".html"):
                linked = linked / "index.html" if linked.is_dir() else linked
                anchor = urllib.parse.unquote(parts.fragment)
                if anchor not in page(linked).ids:
                    yield f"{path.relative_to(html_root)}: {target} (no such anchor)"


def markdown_links(text: str) -> list[str]:
    """The targets of the inline Markdown links of ``text``, code left out."""
    prose = _CODE_SPAN.sub("", _FENCE.sub("", text))
    return _MARKDOWN_LINK.findall(prose)


def broken_links_into(source: Path, docs: Path, html_root: Path) -> Iterator[str]:
    """``target`` for every relative link of ``source`` into ``docs`` that does not resolve:
    a missing file, or an anchor the built page of that file does not have."""
    for target in markdown_links(source.read_text(encoding="utf-8")):
        if not is_relative(target):
            continue
        parts = urllib.parse.urlsplit(target)
        linked = (source.parent / urllib.parse.unquote(parts.path)).resolve()
        if not linked.is_relative_to(docs.resolve()):
            continue
        if not linked.exists():
            yield f"{target} (no such file)"
        elif parts.fragment:
            built = html_root / linked.relative_to(docs.resolve()).with_suffix(".html")
            if not built.is_file():
                yield f"{target} (the page is not part of the site)"
            elif parts.fragment not in Page.read(built).ids:
                yield f"{target} (no such anchor)"
