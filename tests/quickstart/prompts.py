"""A command that asks questions (``manage.py createsuperuser``), answered as typed.

The command runs in bash on a pseudo-terminal of its own, which is its controlling
terminal (``setsid --ctty``), so ``input()`` and ``getpass()`` behave as in a terminal
window. Each answer is typed once its prompt has appeared: ``getpass`` discards what
was typed ahead of it.
"""

import os
import select
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.guide.shell import CommandFailed

__all__ = ["run_answering"]

TIMEOUT = 60.0


def run_answering(
    command: str,
    cwd: Path,
    env: Mapping[str, str],
    answers: Sequence[tuple[str, str]],
    timeout: float = TIMEOUT,
) -> str:
    """Run ``command``, answering each ``(prompt, answer)`` in turn; its output.

    CommandFailed if it exits with another status than 0, stops before every prompt
    was answered, or takes longer than ``timeout``.
    """
    master, slave = os.openpty()
    try:
        process = subprocess.Popen(
            ["setsid", "--ctty", "bash", "--noprofile", "--norc", "-c", command],
            cwd=cwd,
            env=dict(env),
            stdin=slave,
            stdout=slave,
            stderr=slave,
        )
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)
    output = b""
    searched = 0
    pending = list(answers)
    deadline = time.monotonic() + timeout
    try:
        while True:
            if time.monotonic() > deadline:
                process.kill()
                raise CommandFailed(f"`{command}` took over {timeout:g} s:\n{_text(output)}")
            readable, _, _ = select.select([master], [], [], 0.1)
            if readable:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the command's side of the terminal is closed
                    chunk = b""
                if not chunk:
                    break
                output += chunk
            if pending:
                prompt, answer = pending[0]
                found = output.find(prompt.encode(), searched)
                if found != -1:
                    searched = found + len(prompt)
                    os.write(master, answer.encode() + b"\n")
                    pending.pop(0)
            elif not readable and process.poll() is not None:
                break
        status = process.wait(timeout)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait()
    if pending:
        raise CommandFailed(
            f"`{command}` never asked {pending[0][0]!r} (exit status {status}):\n{_text(output)}"
        )
    if status != 0:
        raise CommandFailed(f"`{command}` exited with {status}:\n{_text(output)}")
    return _text(output)


def _text(output: bytes) -> str:
    return output.decode(errors="replace").replace("\r\n", "\n")
