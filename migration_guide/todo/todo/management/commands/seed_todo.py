"""``manage.py seed_todo``: the demo's sample lists, added once (running it again adds nothing)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from todo.models import TodoItem, TodoList

SAMPLE_LISTS = {
    "Groceries": ["Milk", "Bread", "Coffee beans", "Apples"],
    "DjangoCon talk": [
        "Port the SwampDragon todo app",
        "Switch the backend to Pusher",
        "Demo it live",
    ],
}


class Command(BaseCommand):
    help = "Add the todo demo's sample lists unless they are there already."

    def handle(self, *args: Any, **options: Any) -> None:
        added = 0
        with transaction.atomic():
            for name, texts in SAMPLE_LISTS.items():
                todo_list, created = TodoList.objects.get_or_create(name=name)
                if not created:
                    continue
                for order, text in enumerate(texts, start=1):
                    TodoItem.objects.create(todo_list=todo_list, text=text, order=order)
                added += 1
        if added:
            self.stdout.write(self.style.SUCCESS(f"Added {added} sample lists."))
        else:
            self.stdout.write("The sample lists are there already.")
