"""SelfPublishModel publishes created/updated/deleted after commit."""

import pytest
from django.db import transaction
from django.test import override_settings

from realtime_core import InvalidMessage
from realtime_core.testing import Outbox
from tests.testapp.models import Tag, TodoItem, TodoList

pytestmark = pytest.mark.django_db(transaction=True)


def test_created_updated_deleted_payloads(realtime_outbox: Outbox) -> None:
    todo_list = TodoList.objects.create(name="Groceries")
    item = TodoItem.objects.create(todo_list=todo_list, text="Milk", order=1)
    item.done = True
    item.save()
    item_id = item.pk
    item.delete()

    events = [(e.channels, e.event, e.data) for e in realtime_outbox]
    assert events == [
        (("testapp.todolist",), "created", {"id": todo_list.pk, "name": "Groceries"}),
        (
            (f"todo-list-{todo_list.pk}",),
            "created",
            {
                "id": item_id,
                "todo_list": todo_list.pk,
                "text": "Milk",
                "done": False,
                "order": 1,
                "tags": [],
            },
        ),
        (
            (f"todo-list-{todo_list.pk}",),
            "updated",
            {
                "id": item_id,
                "todo_list": todo_list.pk,
                "text": "Milk",
                "done": True,
                "order": 1,
                "tags": [],
            },
        ),
        ((f"todo-list-{todo_list.pk}",), "deleted", {"id": item_id}),
    ]


def test_nothing_is_published_before_commit_or_after_rollback(realtime_outbox: Outbox) -> None:
    with transaction.atomic():
        todo_list = TodoList.objects.create(name="Kept")
        assert len(realtime_outbox) == 0
    assert [e.event for e in realtime_outbox] == ["created"]

    with pytest.raises(RuntimeError), transaction.atomic():
        todo_list.name = "Never seen"
        todo_list.save()
        raise RuntimeError("rollback")
    assert [e.event for e in realtime_outbox] == ["created"]


def test_data_is_taken_at_save_time(realtime_outbox: Outbox) -> None:
    with transaction.atomic():
        todo_list = TodoList.objects.create(name="First")
        todo_list.name = "Second"
        todo_list.save()
    assert [e.data["name"] for e in realtime_outbox] == ["First", "Second"]


def test_cascade_and_queryset_delete_publish(realtime_outbox: Outbox) -> None:
    todo_list = TodoList.objects.create(name="L")
    first = TodoItem.objects.create(todo_list=todo_list, text="a")
    second = TodoItem.objects.create(todo_list=todo_list, text="b")
    list_id = todo_list.pk
    realtime_outbox.clear()
    TodoList.objects.filter(pk=list_id).delete()
    deleted = sorted((e.channels[0], e.data["id"]) for e in realtime_outbox.filter(event="deleted"))
    assert deleted == sorted(
        [
            (f"todo-list-{list_id}", first.pk),
            (f"todo-list-{list_id}", second.pk),
            ("testapp.todolist", list_id),
        ]
    )


def test_bulk_operations_send_no_signals_so_publish_nothing(realtime_outbox: Outbox) -> None:
    todo_list = TodoList.objects.create(name="L")
    realtime_outbox.clear()
    TodoItem.objects.bulk_create([TodoItem(todo_list=todo_list, text="x")])
    TodoItem.objects.update(done=True)
    assert len(realtime_outbox) == 0


def test_loaddata_raw_saves_do_not_publish(realtime_outbox: Outbox) -> None:
    from django.core import serializers

    payload = '[{"model": "testapp.todolist", "pk": 99, "fields": {"name": "Fixture"}}]'
    for obj in serializers.deserialize("json", payload):
        obj.save()
    assert TodoList.objects.filter(pk=99).exists()
    assert len(realtime_outbox) == 0


def test_a_refused_event_rolls_the_write_back(realtime_outbox: Outbox) -> None:
    with override_settings(REALTIME_OPTIONS={"memory": {"MAX_DATA_BYTES": 30}}):
        TodoList.objects.create(name="short")
        with pytest.raises(InvalidMessage, match="the limit is 30"):
            TodoList.objects.create(name="a name far too long for the limit")
        kept = TodoList.objects.get()
        kept.name = "also far too long for the limit"
        with pytest.raises(InvalidMessage):
            kept.save()
    assert list(TodoList.objects.values_list("name", flat=True)) == ["short"]
    assert [e.data["name"] for e in realtime_outbox] == ["short"]


@pytest.mark.django_db(transaction=True, databases=["default", "other"])
def test_events_follow_the_database_the_object_is_saved_to(realtime_outbox: Outbox) -> None:
    with pytest.raises(RuntimeError), transaction.atomic(using="other"):
        TodoList.objects.using("other").create(name="rolled back")
        raise RuntimeError("abort")
    assert len(realtime_outbox) == 0
    with transaction.atomic():  # a transaction on "default" is not the one to wait for
        TodoList.objects.using("other").create(name="on other")
        assert [e.data["name"] for e in realtime_outbox] == ["on other"]


def item_events(outbox: Outbox) -> list[tuple[str, int, list[int]]]:
    return [(e.event, e.data["id"], e.data["tags"]) for e in outbox if "tags" in e.data]


def test_many_to_many_changes_publish_the_new_ids(realtime_outbox: Outbox) -> None:
    todo_list = TodoList.objects.create(name="L")
    urgent, home = Tag.objects.create(name="urgent"), Tag.objects.create(name="home")
    item = TodoItem.objects.create(todo_list=todo_list, text="Milk")
    item.tags.add(urgent, home)
    item.tags.remove(urgent)
    item.tags.set([urgent])
    item.tags.clear()
    assert item_events(realtime_outbox) == [
        ("created", item.pk, []),
        ("updated", item.pk, [urgent.pk, home.pk]),
        ("updated", item.pk, [home.pk]),
        ("updated", item.pk, []),  # set() removes home first...
        ("updated", item.pk, [urgent.pk]),  # ...then adds urgent
        ("updated", item.pk, []),
    ]


def test_changes_from_the_other_side_publish_every_affected_object(
    realtime_outbox: Outbox,
) -> None:
    todo_list = TodoList.objects.create(name="L")
    tag = Tag.objects.create(name="urgent")
    milk = TodoItem.objects.create(todo_list=todo_list, text="Milk")
    eggs = TodoItem.objects.create(todo_list=todo_list, text="Eggs")
    realtime_outbox.clear()

    tag.todoitem_set.add(milk, eggs)
    assert sorted(item_events(realtime_outbox)) == [
        ("updated", milk.pk, [tag.pk]),
        ("updated", eggs.pk, [tag.pk]),
    ]
    realtime_outbox.clear()
    tag.todoitem_set.clear()
    assert sorted(item_events(realtime_outbox)) == [
        ("updated", milk.pk, []),
        ("updated", eggs.pk, []),
    ]


def test_a_partial_save_publishes_the_row_as_stored(realtime_outbox: Outbox) -> None:
    todo_list = TodoList.objects.create(name="L")
    item = TodoItem.objects.create(todo_list=todo_list, text="Milk")
    TodoItem.objects.filter(pk=item.pk).update(text="Oat milk")  # another writer
    realtime_outbox.clear()

    item.done = True
    item.save(update_fields=["done"])

    (event,) = realtime_outbox
    assert (event.data["text"], event.data["done"]) == ("Oat milk", True)


def test_objects_loaded_without_some_columns_are_deleted_and_moved_where_they_were(
    realtime_outbox: Outbox,
) -> None:
    # .only()/.defer() leave columns unloaded: get_channels() read them back from a row
    # already deleted (DoesNotExist: the delete failed), or from the row already moved
    # (the list it left never heard, the one it joined got "updated" for an unknown item).
    first, second = TodoList.objects.create(name="1"), TodoList.objects.create(name="2")
    milk = TodoItem.objects.create(todo_list=first, text="Milk")
    eggs = TodoItem.objects.create(todo_list=first, text="Eggs")
    realtime_outbox.clear()

    moved = TodoItem.objects.only("text").get(pk=milk.pk)
    moved.todo_list_id = second.pk
    moved.save()
    TodoItem.objects.defer("todo_list").get(pk=milk.pk).delete()
    TodoItem.objects.only("text").filter(pk=eggs.pk).delete()

    assert [(event.event, event.channels) for event in realtime_outbox] == [
        ("deleted", (f"todo-list-{first.pk}",)),
        ("created", (f"todo-list-{second.pk}",)),
        ("deleted", (f"todo-list-{second.pk}",)),
        ("deleted", (f"todo-list-{first.pk}",)),
    ]
    assert not TodoItem.objects.exists()
