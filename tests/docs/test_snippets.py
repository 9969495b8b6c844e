"""The runnable snippets of the documentation run (see :mod:`tests.docs.snippets`)."""

import textwrap
from pathlib import Path

import pytest

from .site import DOCS, ROOT
from .snippets import SnippetError, pages_with_snippets, run_page, snippets

PAGES = pages_with_snippets(DOCS)


@pytest.mark.parametrize("page", PAGES, ids=[str(page.relative_to(DOCS)) for page in PAGES])
def test_the_snippets_of_the_page_run(page: Path) -> None:
    failures = list(run_page(snippets(page), ROOT))
    assert not failures, "\n\n".join(map(str, failures))


def write(tmp_path: Path, text: str) -> Path:
    page = tmp_path / "page.md"
    page.write_text(textwrap.dedent(text))
    return page


def test_only_marked_blocks_are_snippets_with_their_lines(tmp_path: Path) -> None:
    page = write(
        tmp_path,
        """\
        ```python
        not = "marked"
        ```
        <!-- runnable -->
        ````python
        x = 1
        ```
        ````

        <!-- runnable -->
        ```console
        $ echo one \\
            two
        one two
        $ true
        ```
        """,
    )
    python, console = snippets(page)
    assert (python.line, python.language, python.code) == (6, "python", "x = 1\n```\n")
    assert (console.line, console.script) == (12, "echo one \\\n    two\ntrue")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("<!-- runnable -->\n\n```python\nx = 1\n```\n", "must be followed by a fenced"),
        ("<!-- runnable -->\n```js\nx = 1\n```\n", "cannot run a 'js' block"),
        ("<!-- runnable -->\n```python\nx = 1\n", "never closed"),
    ],
)
def test_a_marker_that_marks_nothing_runnable_is_an_error(
    tmp_path: Path, text: str, problem: str
) -> None:
    with pytest.raises(SnippetError, match=problem):
        snippets(write(tmp_path, text))


def test_python_snippets_share_one_interpreter_and_failures_name_their_line(
    tmp_path: Path,
) -> None:
    page = write(
        tmp_path,
        """\
        <!-- runnable -->
        ```python
        from django.conf import settings
        backend = settings.REALTIME_BACKEND
        ```
        <!-- runnable -->
        ```python
        assert backend == "pusher"
        ```
        <!-- runnable -->
        ```bash
        false
        ```
        """,
    )
    python, shell = run_page(snippets(page), ROOT)
    assert f'File "{page}", line 8' in python.output
    assert "AssertionError" in python.output
    assert shell.where == f"the bash snippet at {page}:12"
