"""The ``--help`` of ``realtime-server`` and of the management commands."""

import argparse
import importlib
import os
import unittest.mock
from collections.abc import Mapping

from django.core.management import get_commands, load_command_class
from django.core.management.base import BaseCommand
from docutils import nodes

from .tables import GeneratingDirective

HELP_WIDTH = 88
"""Columns the help is wrapped at, whatever the terminal building the site."""


def help_text(parser: argparse.ArgumentParser) -> str:
    """``parser``'s ``--help``, wrapped at :data:`HELP_WIDTH` columns."""
    # argparse wraps at the terminal's width, which COLUMNS sets (less 2 columns).
    with unittest.mock.patch.dict(os.environ, {"COLUMNS": str(HELP_WIDTH + 2)}):
        return parser.format_help().rstrip()


def command(name: str) -> BaseCommand:
    """The command ``manage.py name`` runs (an installed app's, as Django finds it)."""
    try:
        app = get_commands()[name]
    except KeyError:
        raise ValueError(f"no management command named {name!r}") from None
    return load_command_class(app, name)


def command_parser(name: str) -> argparse.ArgumentParser:
    """The parser of ``manage.py name``, as ``manage.py name --help`` prints it."""
    return command(name).create_parser("manage.py", name)


class ArgparseHelp(GeneratingDirective):
    """``MODULE:FUNCTION``: the help of the parser ``FUNCTION()`` returns."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        module_name, _, function = self.arguments[0].partition(":")
        module = importlib.import_module(module_name)
        self.depends_on(module)
        parser = getattr(module, function)()
        return [self.help_block(parser)]

    def help_block(self, parser: argparse.ArgumentParser) -> nodes.literal_block:
        text = help_text(parser)
        block = nodes.literal_block(text, text, language="text")
        self.set_source_info(block)
        return block


class CommandHelp(ArgparseHelp):
    """``NAME``: the help of ``manage.py NAME``."""

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        self.depends_on_class(type(command(name)))
        return [self.help_block(command_parser(name))]


DIRECTIVES: Mapping[str, type[GeneratingDirective]] = {
    "argparse-help": ArgparseHelp,
    "command-help": CommandHelp,
}
