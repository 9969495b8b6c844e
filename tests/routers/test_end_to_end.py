"""One client writes over HTTP, another sees the change arrive on its socket.

Nothing is mocked: the real socket server on the memory backend's broker and
credentials, the router and auth endpoints through Django's test client, and a
WebSocket client speaking the Pusher protocol as a browser would.
"""

import json
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.test import Client

import realtime_core
from realtime_core.backends.self_hosted import SelfHostedBackend
from realtime_core.serving import server_config
from tests.server.pusher_client import PusherTestClient
from tests.server_harness import ServerThread
from tests.testapp.models import TodoList

pytestmark = pytest.mark.django_db(transaction=True)

ITEMS = "/realtime/routes/todo-item/"


@pytest.fixture
def server() -> Iterator[ServerThread]:
    backend = realtime_core.get_backend()
    assert isinstance(backend, SelfHostedBackend)
    thread = ServerThread(server_config(backend), backend.make_broker)
    yield thread
    thread.stop()


@pytest.fixture
def socket(server: ServerThread) -> Iterator[PusherTestClient]:
    connection = PusherTestClient(server.ws_url, server.config)
    yield connection
    connection.close()


def browser(user: User) -> Client:
    """One browser tab of ``user``: its own session."""
    tab = Client()
    tab.force_login(user)
    return tab


def subscribe(
    tab: Client, socket: PusherTestClient, params: dict[str, object]
) -> dict[str, object]:
    """What realtime.js does: ask the channel, get it authorized, subscribe."""
    channel = tab.get("/realtime/subscriptions/todo-item/", params).json()["channel"]
    answer = tab.post(
        "/realtime/auth/channel/", {"socket_id": socket.socket_id, "channel_name": channel}
    )
    assert answer.status_code == 200, answer.json()
    socket.send("pusher:subscribe", {"channel": channel, "auth": answer.json()["auth"]})
    return socket.expect("pusher_internal:subscription_succeeded")


def test_a_write_reaches_a_subscriber_over_the_real_server(
    socket: PusherTestClient, server: ServerThread
) -> None:
    ann = User.objects.create_user("ann")
    groceries, chores = TodoList.objects.create(name="ann"), TodoList.objects.create(name="ann")
    reader, writer = browser(ann), browser(ann)
    subscribed = subscribe(reader, socket, {"todo_list": groceries.pk})
    channel = subscribed["channel"]
    assert channel == f"private-todo-item;todo_list={groceries.pk}"

    created = writer.post(
        ITEMS, {"todo_list": groceries.pk, "text": "Milk"}, content_type="application/json"
    ).json()
    frame = socket.expect("created")
    assert (frame["channel"], json.loads(frame["data"])) == (channel, created)

    updated = writer.patch(
        f"{ITEMS}{created['id']}/", {"done": True}, content_type="application/json"
    ).json()
    assert json.loads(socket.expect("updated")["data"]) == updated

    writer.patch(
        f"{ITEMS}{created['id']}/", {"todo_list": chores.pk}, content_type="application/json"
    )
    assert json.loads(socket.expect("deleted")["data"]) == {"id": created["id"]}
    socket.nothing_more()  # what happens in the other list is not this subscriber's


def test_a_subscriber_cannot_follow_rows_it_could_not_list(
    socket: PusherTestClient, server: ServerThread
) -> None:
    bobs = TodoList.objects.create(name="bob")
    mallory = browser(User.objects.create_user("mallory"))
    channel = f"private-todo-item;todo_list={bobs.pk}"
    answer = mallory.post(
        "/realtime/auth/channel/", {"socket_id": socket.socket_id, "channel_name": channel}
    )
    assert answer.status_code == 403
    socket.send("pusher:subscribe", {"channel": channel, "auth": f"{server.config.key}:forged"})
    assert socket.expect("pusher:subscription_error")["channel"] == channel
