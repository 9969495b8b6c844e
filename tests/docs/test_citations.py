"""The repository cites no document it does not contain.

The team's design notes live outside the repository; what the code and docs need from
them is written in ``docs/`` in the project's own words, so nothing here may send a
reader to them.
"""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = ("pusher-protocol.md", "ARCHITECTURE.md", "STYLE.md", "shared/design")


def test_no_tracked_file_cites_the_design_notes_outside_the_repository() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    citing = []
    for name in filter(None, tracked):
        path = ROOT / name.decode()
        if path.resolve() == Path(__file__).resolve() or not path.is_file():
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        citing += [f"{name.decode()}: {cited}" for cited in OUTSIDE if cited in text]
    assert citing == []
