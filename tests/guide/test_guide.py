"""The migration guide, run: every command of every page, and every excerpt checked.

How the commands are run is in ``tests/guide/runner.py`` (and, for readers, at the
end of ``migration_guide/README.md``).
"""

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from .markdown import Block, read_page
from .runner import GUIDE, ROOT, GuideRun, command_blocks, numbered_pages, pages

EXCERPTS = [
    block
    for page in pages()
    for block in page.blocks
    if block.directive is not None and block.directive.word == "excerpt"
]


def _run_by(block: Block) -> str | None:
    """The test file a ``run by`` directive names, if the block has one."""
    directive = block.directive
    if directive is None or directive.word != "run":
        return None
    usage = f"{block}: write <!-- guide-test: run by tests/guide/test_x.py -->"
    assert directive.args[:1] == ("by",), usage
    assert len(directive.args) == 2, usage
    return directive.args[1]


def test_every_command_in_the_guide_is_run_by_a_test() -> None:
    """A command nobody runs could rot: each must be in a numbered page (the end-to-end
    run below runs them all) or name the test that runs it, which must list it."""
    unrun = []
    for page in pages():
        numbered = page.name[:2].isdigit()
        for block in command_blocks(page):
            test_file = _run_by(block)
            if test_file is None:
                if not numbered:
                    unrun.append(f"{block}: {block.commands}")
                continue
            assert (ROOT / test_file).is_file(), f"{block}: {test_file} does not exist"
            module = importlib.import_module(test_file.removesuffix(".py").replace("/", "."))
            missing = set(block.commands) - set(getattr(module, "GUIDE_COMMANDS", ()))
            assert not missing, f"{block}: {test_file} lists no {sorted(missing)} in GUIDE_COMMANDS"
    assert not unrun, "commands no test runs:\n" + "\n".join(unrun)


def test_the_guide_has_its_steps() -> None:
    names = [page.name for page in numbered_pages()]
    assert names == [
        "01-embedded-default.md",
        "02-self-hosted-tornado-redis.md",
        "03-verify.md",
        "04-switch-to-pusher.md",
        "05-zero-downtime-switch.md",
        "06-roll-back.md",
    ]
    readme = (GUIDE / "README.md").read_text()
    for name in [*names, "from-swampdragon.md", "from-a-pusher-mixin.md"]:
        assert f"({name})" in readme, f"migration_guide/README.md does not link {name}"
    assert "(migration_guide/)" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("block", EXCERPTS, ids=str)
def test_excerpts_match_the_project(block: Block) -> None:
    """Each line of an excerpt is in the file it quotes, in the same order (``...``
    stands for lines left out)."""
    assert block.directive is not None
    source = GUIDE / block.directive.args[0]
    lines = [line.rstrip() for line in source.read_text().splitlines()]
    position = 0
    for wanted in block.text.splitlines():
        if wanted.strip() in {"", "..."}:
            continue
        try:
            position = lines.index(wanted.rstrip(), position) + 1
        except ValueError:
            pytest.fail(f"{block}: {source.relative_to(GUIDE)} has no line {wanted!r} here")


@pytest.fixture
def guide_run(tmp_path: Path) -> Iterator[GuideRun]:
    run = GuideRun(tmp_path)
    yield run
    run.close()


@pytest.mark.timeout(300)
def test_the_guide_runs_from_start_to_end(guide_run: GuideRun) -> None:
    """01 to 06 in one terminal session: embedded, tornado_redis behind nginx, verify,
    Pusher (a realtime-server standing in for it), back without downtime, roll back;
    every command succeeds."""
    for page in numbered_pages():
        guide_run.run_page(page)
    expected = [
        f"{block}"
        for page in numbered_pages()
        for block in command_blocks(page)
        if block.directive is None or block.directive.word != "run"
    ]
    assert [f"{block}" for block in guide_run.executed] == expected


def test_an_unknown_directive_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("<!-- guide-test: backgruond web -->\n```sh\nls\n```\n")
    with pytest.raises(ValueError, match="unknown guide-test directive 'backgruond'"):
        read_page(page)


def test_commands_are_read_as_a_shell_would_take_them(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```sh\n# a comment\ncd todo\npython manage.py realtime_server \\\n  --port 6001\n```\n"
        "```console\n$ python manage.py seed_todo\nAdded 2 sample lists.\n$ ls\n```\n"
        "- In a list:\n\n  ```sh\n  make demo\n  ```\n"
    )
    blocks = read_page(page).blocks
    assert [block.commands for block in blocks] == [
        ["cd todo", "python manage.py realtime_server --port 6001"],
        ["python manage.py seed_todo", "ls"],
        ["make demo"],
    ]
