"""The Quickstart page, run: from ``django-admin startproject`` to events in Chromium.

Every block of ``docs/tutorial/quickstart.md`` is a step (:mod:`.page`) and the
end-to-end test uses
each one, in order (:mod:`.walkthrough`): it writes the files the blocks name, runs
the commands, starts ``python manage.py runserver`` (with its autoreloader, on a free
port) and then does what the prose says: signs in at the admin, adds a list, opens
the list's page and watches items added, edited and deleted in another tab reach it.
Another user gets a 404 for the page and a 403 for the channel; an anonymous browser
is sent to sign in and refused the channel.
"""

import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.pages import LOADED, Pages
from tests.guide.markdown import Block

from .page import (
    Section,
    Step,
    apply_assignments,
    check_install,
    classify,
    quickstart,
    unused_files,
)
from .walkthrough import CREATESUPERUSER, RUNSERVER, QuickstartRun, User

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

LIVE = 2000
"""Milliseconds a change made in the admin may take to show in the list's page."""
ALICE = User("alice")
BOB = User("bob")
PROSE_URL = re.compile(r"http://127\.0\.0\.1:8000(?P<path>/[\w/.-]*)")
"""The addresses the prose tells the reader to open (runserver's default port)."""

# Run in the page of a signed-in user: subscribe to another channel as the page's own
# code does, and report how the server answered; what the channel sends is kept.
SUBSCRIBE = """(name) => new Promise((resolve) => {
  window.heard = [];
  const channel = realtime.subscribe(name);
  channel.bind("created", (item) => window.heard.push(item));
  channel.bind("pusher:subscription_succeeded", () => resolve("subscribed"));
  channel.bind("pusher:subscription_error", (error) => resolve(error.status));
})"""

# Run in an anonymous page with a CSRF token (the sign-in form): ask the channel
# authorization endpoint for a signature, as realtime.js would; its status.
AUTHORIZE = """async ({ endpoint, channel }) => {
  const token = document.querySelector('input[name="csrfmiddlewaretoken"]').value;
  const answer = await fetch(endpoint, {
    method: "POST",
    headers: { "X-CSRFToken": token },
    body: new URLSearchParams({ socket_id: "1234.5678", channel_name: channel }),
  });
  return answer.status;
}"""


def steps(section: Section | None = None) -> list[Step]:
    return [classify(block) for block in (section or quickstart()).blocks]


def test_every_block_of_the_quickstart_is_a_step() -> None:
    """Files named once each and all used, the project started first, the server last."""
    found = steps()
    paths = [step.path for step in found if step.kind == "file"]
    assert len(paths) == len(set(paths)), f"a file is shown twice: {paths}"
    assert unused_files(found) == [], "files nothing imports or renders"
    assert "mysite/settings.py" in paths
    commands = [
        command for step in found if step.kind == "commands" for command in step.block.commands
    ]
    assert commands[0] == "django-admin startproject mysite", commands
    assert commands[-1] == RUNSERVER, commands
    assert commands.count(CREATESUPERUSER) == 1, commands
    for step in found:
        if step.kind == "install":
            check_install(step)


def _section(tmp_path: Path, body: str) -> Section:
    page = tmp_path / "quickstart.md"
    page.write_text(f"# Quickstart\n\n{textwrap.dedent(body)}")
    return quickstart(page)


def test_the_walk_through_is_the_whole_page_below_its_title(tmp_path: Path) -> None:
    section = _section(
        tmp_path,
        "Open http://127.0.0.1:8000/a/.\n\n```sh\ncd x\n```\n\n## Run it\n\n```sh\nls\n```\n",
    )
    assert [block.text for block in section.blocks] == ["cd x", "ls"]
    assert "http://127.0.0.1:8000/a/" in section.prose
    assert "## Run it" in section.prose
    assert "cd x" not in section.prose
    assert "# Quickstart" not in section.prose


def test_a_page_without_a_title_first_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "quickstart.md"
    page.write_text("Some text.\n\n# Quickstart\n")
    with pytest.raises(ValueError, match="does not start with its title"):
        quickstart(page)


def test_a_block_that_is_neither_commands_nor_a_file_is_refused(tmp_path: Path) -> None:
    section = _section(
        tmp_path,
        """
        ```python
        # todo/models.py
        x = 1
        ```

        ```html+django
        {# todo/templates/todo/list.html #}
        ```

        ```python
        x = 1  # which file?
        ```
        """,
    )
    first, second, third = section.blocks
    assert classify(first).path == "todo/models.py"
    assert classify(second).path == "todo/templates/todo/list.html"
    with pytest.raises(ValueError, match="neither commands"):
        classify(third)


def test_a_file_nothing_loads_is_unused() -> None:
    def step(path: str, text: str) -> Step:
        return Step(Block("quickstart.md", 1, "python", f"# {path}\n{text}", None), "file", path)

    shown = [
        step("todo/models.py", "from .serializers import S\nfrom .helpers import h"),
        step("todo/serializers.py", ""),
        step("mysite/urls.py", "from todo import views"),
        step("todo/views.py", 'render(request, "todo/list.html")'),
        step("todo/templates/todo/list.html", ""),
        step("todo/helpers.py", ""),
        step("todo/forms.py", ""),
        step("todo/templates/todo/other.html", ""),
    ]
    assert unused_files(shown) == ["todo/forms.py", "todo/templates/todo/other.html"]


def test_install_lines_must_install_this_project() -> None:
    def step(text: str) -> Step:
        return Step(Block("quickstart.md", 1, "sh", text, None), "install")

    check_install(
        step('pip install django-realtime-core\npip install "django-realtime-core[redis]"')
    )
    with pytest.raises(AssertionError, match="installs 'django-realtime'"):
        check_install(step("pip install django-realtime"))
    with pytest.raises(AssertionError, match="no extra"):
        check_install(step('pip install "django-realtime-core[redsi]"'))


GENERATED = """\
DEBUG = True

INSTALLED_APPS = [
    'django.contrib.auth',
    'django.contrib.staticfiles',
]

ROOT_URLCONF = 'mysite.urls'
"""


def test_settings_lines_replace_their_assignment_or_are_added() -> None:
    shown = (
        "# mysite/settings.py\n"
        'INSTALLED_APPS = [\n    "realtime_core",  # first\n    "django.contrib.auth",\n'
        '    "django.contrib.staticfiles",\n]\nREALTIME_BACKEND = "memory"  # the default\n'
    )
    edited, dropped = apply_assignments(GENERATED, shown)
    assert edited == (
        "DEBUG = True\n\nINSTALLED_APPS = [\n"
        '    "realtime_core",  # first\n    "django.contrib.auth",\n'
        '    "django.contrib.staticfiles",\n]\n\n'
        "ROOT_URLCONF = 'mysite.urls'\n"
        'REALTIME_BACKEND = "memory"  # the default\n'
    )
    assert dropped == {"INSTALLED_APPS": []}
    _, dropped = apply_assignments(GENERATED, 'INSTALLED_APPS = ["realtime_core"]\n')
    assert dropped == {"INSTALLED_APPS": ["django.contrib.auth", "django.contrib.staticfiles"]}


@pytest.mark.parametrize(
    ("shown", "refusal"),
    [
        ("# settings.py\nINSTALLED_APPS += ['todo']\n", "only NAME = value"),
        ("# settings.py\nDEBUG = False\n# and then turn this on\n", "outside every assignment"),
        ("import os\n", "only NAME = value"),
    ],
)
def test_settings_lines_that_cannot_be_applied_are_refused(shown: str, refusal: str) -> None:
    with pytest.raises(ValueError, match=refusal):
        apply_assignments(GENERATED, shown)


def test_a_setting_assigned_twice_is_not_guessed_at() -> None:
    with pytest.raises(ValueError, match="assigned 2 times"):
        apply_assignments(GENERATED + "DEBUG = False\n", "DEBUG = True\n")


@pytest.fixture
def reader(tmp_path: Path) -> Iterator[QuickstartRun]:
    run = QuickstartRun(tmp_path, [ALICE])
    yield run
    run.close()


def sign_in(page: "Page", admin: str, user: User) -> None:
    """Through the admin's sign-in page, where ``login_required`` sends visitors."""
    from playwright.sync_api import expect

    page.goto(admin)
    page.fill("#id_username", user.username)
    page.fill("#id_password", user.password)
    page.click('input[type="submit"]')
    expect(page).to_have_url(admin)


def add_in_admin(page: "Page", base: str, model: str, **values: str) -> str:
    """Add a ``todo`` object in the admin, choosing options by label; its change URL."""
    from playwright.sync_api import expect

    page.goto(f"{base}/admin/todo/{model}/add/")
    for name, value in values.items():
        field = page.locator(f"#id_{name}")
        if field.evaluate("(element) => element.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    page.click('input[name="_save"]')
    added = page.locator(".messagelist .success a")
    expect(added).to_have_count(1)
    return f"{base}{added.get_attribute('href')}"


def use_the_app(
    browser: "Browser", pages: Pages, reader: QuickstartRun, admin: str, page_url: str
) -> None:
    from playwright.sync_api import expect

    base = reader.url
    alice, bob = pages.pages
    items = alice.locator("#items li")

    sign_in(alice, admin, ALICE)
    add_in_admin(alice, base, "todolist", owner=ALICE.username, name="Groceries")
    alice.goto(page_url)
    expect(alice.locator("h1")).to_have_text("Groceries")
    expect(alice.locator("#status")).to_have_text("live", timeout=LOADED)
    expect(items).to_have_count(0)

    # Another tab, another request: the admin saves, runserver delivers.
    tab = pages.contexts[0].new_page()
    milk = add_in_admin(tab, base, "todoitem", todo_list="Groceries", text="Milk")
    expect(items).to_have_text(["Milk"], timeout=LIVE)
    tab.goto(milk)
    tab.check("#id_done")
    tab.click('input[name="_save"]')
    expect(items).to_have_text(["Milk (done)"], timeout=LIVE)
    tab.goto(milk.replace("/change/", "/delete/"))
    tab.click('input[type="submit"]')  # "Yes, I'm sure"
    expect(items).to_have_count(0, timeout=LIVE)
    add_in_admin(tab, base, "todoitem", todo_list="Groceries", text="Bread")
    expect(items).to_have_text(["Bread"], timeout=LIVE)
    alice.reload()  # now from the view, then live again
    expect(items).to_have_text(["Bread"])
    expect(alice.locator("#status")).to_have_text("live", timeout=LOADED)

    # Private channels need a signed-in user.
    anonymous = browser.new_context()
    try:
        visitor = anonymous.new_page()
        visitor.goto(page_url)
        expect(visitor).to_have_url(f"{base}/admin/login/?next={page_url.removeprefix(base)}")
        endpoint = f"{base}/realtime/auth/channel/"
        request = {"endpoint": endpoint, "channel": "private-todo-list-1"}
        status = visitor.evaluate(AUTHORIZE, request)
        assert status == 403, f"an anonymous browser's authorization of the channel: {status}"
    finally:
        anonymous.close()

    # And the list's owner: another user sees neither the page nor the channel.
    reader.createsuperuser(BOB)
    sign_in(bob, admin, BOB)
    response = bob.goto(page_url)
    assert response is not None
    assert response.status == 404, "another user's list page"
    add_in_admin(bob, base, "todolist", owner=BOB.username, name="Bob's list")
    bob.goto(f"{base}/lists/2/")
    expect(bob.locator("#status")).to_have_text("live", timeout=LOADED)
    assert bob.evaluate(SUBSCRIBE, "private-todo-list-1") == 403
    add_in_admin(tab, base, "todoitem", todo_list="Groceries", text="Eggs")
    expect(items).to_have_text(["Bread", "Eggs"], timeout=LIVE)
    assert bob.evaluate("() => window.heard") == []
    expect(bob.locator("#items li")).to_have_count(0)


@pytest.mark.timeout(300)
def test_the_quickstart_builds_an_app_whose_page_gets_events_live(
    browser: "Browser", reader: QuickstartRun, tmp_path: Path
) -> None:
    section = quickstart()
    walk = steps(section)
    for step in walk:
        reader.run(step)
    assert reader.dropped["mysite/settings.py"] == {"INSTALLED_APPS": []}, (
        "replacing INSTALLED_APPS as shown drops apps startproject listed"
    )
    log = reader.server_log()
    for expected in (
        "System check identified no issues",
        "Watching for file changes with",  # the autoreloader
        "It serves the sockets too",
    ):
        assert expected in log, f"runserver did not say {expected!r}:\n{reader.report()}"

    paths = [match["path"] for match in PROSE_URL.finditer(section.prose)]
    assert paths == ["/admin/", "/lists/1/"], f"the prose's addresses changed: {paths}"
    admin, page_url = (f"{reader.url}{path}" for path in paths)

    pages = Pages(browser)
    try:
        use_the_app(browser, pages, reader, admin, page_url)
    except Exception as error:
        shots = pages.screenshots(tmp_path)
        console = "\n".join(pages.console[-30:]) or "(nothing)"
        raise AssertionError(
            f"{error}\n\nScreenshots: {', '.join(shots) or 'none'}\n\n"
            f"Console:\n{console}\n\n{reader.report()}"
        ) from error
    finally:
        pages.close()
