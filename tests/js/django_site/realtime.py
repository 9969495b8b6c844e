"""The test app's routers, served by the test-only site (discovered like ``admin.py``)."""

from realtime_core.routers import register
from tests.testapp.routers import TodoItemRouter, TodoListRouter

register(TodoItemRouter)
register(TodoListRouter)
