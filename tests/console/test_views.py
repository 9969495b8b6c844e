"""The debug console's page and snapshot: who may see them, what they show, no secret."""

import json
import re

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.test import Client, override_settings

from realtime_core import console, console_feed
from tests import settings as test_settings

PAGE = "/realtime/console/"
SNAPSHOT = "/realtime/console/snapshot/"
CONFIG_RE = re.compile(
    r'<script id="realtime-console-config" type="application/json">(.*?)</script>'
)
SECRET = "memory-secret-that-must-not-show"
WITH_SECRET = override_settings(REALTIME_OPTIONS={"memory": {"SECRET": SECRET}})
WITH_ADMIN = override_settings(
    INSTALLED_APPS=[
        "django.contrib.admin",
        "django.contrib.messages",
        *test_settings.INSTALLED_APPS,
    ],
    ROOT_URLCONF="tests.console.admin_urls",
)


def logged_in(**flags: bool) -> Client:
    client = Client()
    client.force_login(User.objects.create_user("someone", **flags))
    return client


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in() -> None:
    answer = Client().get(PAGE)
    assert answer.status_code == 302
    assert answer["Location"] == f"/accounts/login/?next={PAGE}"


@pytest.mark.django_db
def test_anonymous_visitors_log_in_through_the_admin_when_it_is_installed() -> None:
    with WITH_ADMIN:
        answer = Client().get(PAGE)
    assert answer.status_code == 302
    assert answer["Location"] == f"/admin/login/?next={PAGE}"


@pytest.mark.django_db
def test_logged_in_users_who_are_not_staff_are_refused() -> None:
    assert logged_in().get(PAGE).status_code == 403


@pytest.mark.django_db
def test_staff_must_be_active() -> None:
    assert console.may_read(User(username="gone", is_staff=True, is_active=False)) is False
    assert console.may_read(User(username="here", is_staff=True, is_active=True)) is True
    assert console.may_read(AnonymousUser()) is False


@pytest.mark.django_db
def test_the_snapshot_refuses_anyone_but_staff() -> None:
    for client in (Client(), logged_in()):
        answer = client.get(SNAPSHOT)
        assert answer.status_code == 403
        assert answer.json() == {"error": "The debug console is for staff users: log in as one."}


@pytest.mark.django_db
def test_staff_see_the_page_standalone_without_the_admin() -> None:
    with WITH_SECRET:
        answer = logged_in(is_staff=True).get(PAGE)
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "<h1>Realtime console</h1>" in page
    assert "realtime-console-standalone" in page
    assert 'id="console-log"' in page
    assert SECRET not in page


@pytest.mark.django_db
def test_staff_see_the_page_in_the_admins_layout() -> None:
    with WITH_ADMIN:
        answer = logged_in(is_staff=True).get(PAGE)
    page = answer.content.decode()
    assert answer.status_code == 200
    assert "admin/css/base.css" in page
    assert '<a href="/admin/">Home</a> &rsaquo; Realtime console' in page


@pytest.mark.django_db
def test_the_page_says_how_to_turn_the_live_log_on_and_does_not_connect_meanwhile() -> None:
    page = logged_in(is_staff=True).get(PAGE).content.decode()
    assert "Live log: off. Set <code>REALTIME_CONSOLE = True</code>" in page
    assert 'id="realtime-config"' not in page  # no socket for a log that stays empty
    config = json.loads(CONFIG_RE.search(page)[1])
    assert config["live"] is False


@pytest.mark.django_db
@override_settings(REALTIME_CONSOLE=True)
def test_with_the_live_log_on_the_page_connects_as_every_page_does() -> None:
    with WITH_SECRET:
        page = logged_in(is_staff=True).get(PAGE).content.decode()
    assert 'id="realtime-config"' in page
    assert "realtime_core/realtime.js" in page
    assert SECRET not in page
    config = json.loads(CONFIG_RE.search(page)[1])
    assert config == {
        "snapshot": SNAPSHOT,
        "channel": console_feed.CHANNEL,
        "kinds": list(console_feed.KINDS),
        "live": True,
        "refresh": 5000,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", ["a b", "<script>", "x" * 201, "private-*?"])
def test_the_snapshot_refuses_a_pattern_no_channel_could_match(pattern: str) -> None:
    answer = logged_in(is_staff=True).get(SNAPSHOT, {"channel": pattern})
    assert answer.status_code == 400
    assert "channel must be a channel name" in answer.json()["error"]


@pytest.mark.django_db
def test_the_snapshot_says_when_the_backend_cannot_be_read_without_its_password() -> None:
    url = "redis://:redis-password-that-must-not-show@127.0.0.1:1/0"
    options = {"APP_ID": "1", "KEY": "k", "SECRET": SECRET, "REDIS_URL": url}
    settings = {"REALTIME_BACKEND": "tornado_redis", "REALTIME_OPTIONS": {"tornado_redis": options}}
    with override_settings(**settings):
        answer = logged_in(is_staff=True).get(SNAPSHOT)
    assert answer.status_code == 503
    body = answer.json()
    assert body["backend"] == "tornado_redis"
    assert (
        "failed to read the socket servers' state from Redis at redis://:***@127.0.0.1:1/0"
        in (body["error"])
    )
    assert "redis-password-that-must-not-show" not in answer.content.decode()
    assert SECRET not in answer.content.decode()


@pytest.mark.django_db
def test_the_console_channel_is_for_active_staff_only() -> None:
    def authorize(client: Client) -> int:
        answer = client.post(
            "/realtime/auth/channel/",
            {"socket_id": "1.2", "channel_name": console_feed.CHANNEL},
        )
        return answer.status_code

    assert authorize(Client()) == 403
    assert authorize(logged_in()) == 403
    staff = Client()
    staff.force_login(User.objects.create_user("staff", is_staff=True))
    assert authorize(staff) == 200
