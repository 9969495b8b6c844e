"""Channel authorization of the test app, discovered like ``admin.py``.

Each rule is one a real app would write; the tests subscribe through the endpoints.
"""

import uuid

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.urls import register_converter
from django.urls.converters import get_converters

from realtime_core.authorization import Member, authorize

from .models import TodoList

User = AuthUser | AnonymousUser

SHARED_DOCUMENT = uuid.UUID("6f1c2a8e-3b4d-4e5f-9a0b-1c2d3e4f5a6b")


class ArchiveYearConverter:
    """Four digits, from 2000 on: ``to_python``'s ValueError turns older years away."""

    regex = "[0-9]{4}"

    def to_python(self, value: str) -> int:
        year = int(value)
        if year < 2000:
            raise ValueError(f"no archive before 2000, got {year}")
        return year

    def to_url(self, value: int) -> str:
        return f"{value:04d}"


# Registered once even if this module is imported again (overriding is deprecated).
if "archive_year" not in get_converters():
    register_converter(ArchiveYearConverter, "archive_year")


@authorize("private-todo-list-<int:list_id>")
def todo_list(user: User, list_id: int) -> bool:
    """Signed-in users follow any list that exists."""
    return user.is_authenticated and TodoList.objects.filter(pk=list_id).exists()


@authorize("presence-todo-list-<int:list_id>")
def todo_list_presence(user: User, list_id: int) -> Member | None:
    """Signed-in users show up on a list's presence channel under their username."""
    if not user.is_authenticated or not TodoList.objects.filter(pk=list_id).exists():
        return None
    return Member(id=str(user.pk), info={"name": user.get_username()})


@authorize("private-lobby")
def lobby(user: User) -> bool:
    """Anyone, anonymous visitors included."""
    return True


@authorize("private-team-<slug:team>")
def team(user: User, team: str) -> bool:
    """Members of the Django group named like the team."""
    return user.is_authenticated and user.groups.filter(name=team).exists()


@authorize("private-document-<uuid:document>")
def document(user: User, document: uuid.UUID) -> bool:
    """Only the shared document (compared as a UUID, so the converter must have run)."""
    return document == SHARED_DOCUMENT


@authorize("private-archive-<archive_year:year>")
def archive(user: User, year: int) -> bool:
    """Recent archives are open to everyone; 2000-2019 to staff only."""
    return year >= 2020 or user.is_staff


@authorize("private-encrypted-notes-<int:user_id>")
def notes(user: User, user_id: int) -> bool:
    """Each user's own end-to-end encrypted notes."""
    return user.is_authenticated and user.pk == user_id
