"""The reference pages say what the code does: settings, options, capabilities, checks,
commands and codes, compared with the code itself."""

import argparse
import dataclasses
import enum
import re
from pathlib import Path

import pytest
from realtime_docs.backends import capabilities, ordered_options
from realtime_docs.cli import command_parser
from realtime_docs.codes import code_rows, load_enum
from realtime_docs.tables import python_literal

from realtime_core import checks, conf
from realtime_core.backends.base import Capabilities
from realtime_core.conf import Option
from realtime_core.registry import installed_backend_names, load_backend_class
from realtime_core.server.cli import build_parser

from .site import DOCS, Build

BACKENDS = installed_backend_names()


def shown_default(option: Option) -> str:
    """How a page shows an option's default: ``required``, or the value as settings write it."""
    return "required" if option.required else python_literal(option.default)


def test_every_setting_is_on_the_settings_page(site: Build) -> None:
    rows = site.page("reference/settings").table("Setting", "Default")
    read = {value for name, value in vars(conf).items() if name.endswith("_SETTING")}
    assert {row[0] for row in rows} == read == {
        "REALTIME_BACKEND",
        "REALTIME_OPTIONS",
        "REALTIME_CONSOLE",
        "REALTIME_ALSO_PUBLISH_TO",
    }
    assert dict(row[:2] for row in rows)["REALTIME_BACKEND"] == f'"{conf.DEFAULT_BACKEND}"'


def test_the_options_matrix_has_every_option_of_every_backend(site: Build) -> None:
    table = site.page("reference/settings").table("Option", *sorted(BACKENDS, key=_memory_first))
    specs = {name: load_backend_class(name).option_spec() for name in BACKENDS}
    keys = {key for spec in specs.values() for key in spec}
    assert {row[0] for row in table} == keys
    columns = sorted(BACKENDS, key=_memory_first)
    for key, *defaults in table:
        for name, shown in zip(columns, defaults, strict=True):
            option = specs[name].get(key)
            assert shown == ("—" if option is None else shown_default(option)), (key, name)


def _memory_first(name: str) -> tuple[bool, str]:
    return name != "memory", name


@pytest.mark.parametrize("name", BACKENDS)
def test_each_backend_page_lists_its_options_with_defaults_and_help(site: Build, name: str) -> None:
    backend_class = load_backend_class(name)
    rows = site.page(f"reference/backends/{name}").table("Option", "Default", "What it does")
    spec = backend_class.option_spec()
    assert [row[0] for row in rows] == list(ordered_options(backend_class))
    assert set(spec) == {row[0] for row in rows}
    for key, default, meaning in rows:
        option = spec[key]
        assert default == shown_default(option), key
        assert option.help, f"{name}: {key} has no help text"
        assert meaning.endswith(f"Allowed: {option.allowed}."), key


@pytest.mark.parametrize("name", BACKENDS)
def test_each_backend_page_has_the_same_skeleton(site: Build, name: str) -> None:
    page = site.page(f"reference/backends/{name}")
    sections = {
        "install", "example-configuration", "options", "capabilities",
        "what-realtime-check-checks", "limits",
    }  # fmt: skip
    assert sections <= page.ids
    assert f'{conf.BACKEND_SETTING} = "{name}"' in page.text


def test_the_capability_matrix_is_each_backends_capabilities(site: Build) -> None:
    columns = sorted(BACKENDS, key=_memory_first)
    rows = site.page("reference/capabilities").table("Capability", *columns)
    fields = [field.name for field in dataclasses.fields(Capabilities)]
    assert [row[0].partition(":")[0] for row in rows] == fields
    for row in rows:
        field = row[0].partition(":")[0]
        for name, shown in zip(columns, row[1:], strict=True):
            expected = getattr(capabilities(name), field)
            assert shown == ("yes" if expected else "no"), (field, name)


CHECK_ID = re.compile(r"realtime_core\.[EW]\d{3}")


def test_every_system_check_is_on_the_checks_page(site: Build) -> None:
    source = Path(checks.__file__).read_text()
    raised = set(re.findall(r'id="(realtime_core\.[EW]\d{3})"', source))
    documented_in_module = set(CHECK_ID.findall(checks.__doc__ or ""))
    rows = site.page("reference/checks").table("id", "level", "problem")
    on_the_page = {row[0] for row in rows}
    assert raised == documented_in_module == on_the_page
    for check_id, level, *_ in rows:
        assert level == {"E": "error", "W": "warning"}[check_id.split(".")[1][0]]


def option_strings(parser: argparse.ArgumentParser) -> set[str]:
    return {flag for action in parser._actions for flag in action.option_strings}


def test_the_cli_page_shows_every_flag(site: Build) -> None:
    text = site.page("reference/cli").text
    parsers = [build_parser(), *(command_parser(name) for name in ("realtime_server",
               "runserver", "realtime_check"))]  # fmt: skip
    for parser in parsers:
        missing = {flag for flag in option_strings(parser) if flag not in text}
        assert not missing, f"{parser.prog}: {missing}"
    assert "--allowed-origin" in text
    assert "--backend NAME" in text


class Codes(enum.IntEnum):
    GOING_AWAY = 4200, "reconnect at once"
    OVER_QUOTA = 4004, "do not reconnect"

    description: str

    def __new__(cls, code: int, description: str) -> "Codes":
        member = int.__new__(cls, code)
        member._value_ = code
        member.description = description
        return member


class Undescribed(enum.IntEnum):
    SILENT = 4000


def test_the_codes_table_lists_every_member_in_code_order() -> None:
    assert code_rows(Codes) == [
        (4004, "OVER_QUOTA", "do not reconnect"),
        (4200, "GOING_AWAY", "reconnect at once"),
    ]
    with pytest.raises(ValueError, match=r"Undescribed\.SILENT has no description"):
        code_rows(Undescribed)
    assert load_enum(f"{__name__}.Codes") is Codes


ERROR_CODES = re.compile(r"^```\{error-codes\}\s+(\S+)\s*$", re.MULTILINE)


def test_every_codes_table_of_the_site_is_its_enum(site: Build) -> None:
    for page in sorted(DOCS.rglob("*.md")):
        for path in ERROR_CODES.findall(page.read_text()):
            docname = page.relative_to(DOCS).with_suffix("").as_posix()
            rows = site.page(docname).table("Code", "Name", "Meaning")
            expected = [(str(code), name) for code, name, _ in code_rows(load_enum(path))]
            assert [row[:2] for row in rows] == expected, page
