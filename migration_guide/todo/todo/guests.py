"""Visitors are signed in as a guest with a friendly generated name on their first visit.

Presence needs a user: a guest is an ordinary ``User`` row (username ``guest-<hex>``,
the generated name as ``first_name``, no usable password) logged in with Django's own
``login()``, so the session, the channel authorization endpoint and the routers see
a signed-in user like any other. Django's login page (``/accounts/login/``) works too:
signing in as a real user replaces the guest in that browser.
"""

import secrets
from collections.abc import Callable
from functools import wraps

from django.contrib.auth import get_user_model, login
from django.http import HttpRequest, HttpResponse

__all__ = ["display_name", "ensure_visitor", "guest_name"]

ADJECTIVES = (
    "Brave", "Calm", "Clever", "Curious", "Eager", "Gentle", "Happy", "Jolly", "Kind",
    "Lively", "Lucky", "Merry", "Nimble", "Polite", "Quick", "Quiet", "Swift", "Witty",
)  # fmt: skip
ANIMALS = (
    "Badger", "Beaver", "Crane", "Dolphin", "Falcon", "Fox", "Hedgehog", "Heron", "Koala",
    "Lynx", "Marten", "Otter", "Owl", "Panda", "Puffin", "Robin", "Seal", "Wren",
)  # fmt: skip


def guest_name() -> str:
    """A friendly name such as "Curious Otter" (names may repeat; ids never do)."""
    return f"{secrets.choice(ADJECTIVES)} {secrets.choice(ANIMALS)}"


def display_name(user: object) -> str:
    """How a user is shown to others: their full name, else their username."""
    full_name = getattr(user, "get_full_name", lambda: "")()
    return str(full_name or getattr(user, "get_username", lambda: "someone")())


def ensure_visitor(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a page view: an anonymous visitor is signed in as a new guest first."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            user = get_user_model()(
                username=f"guest-{secrets.token_hex(6)}", first_name=guest_name()
            )
            user.set_unusable_password()
            user.save()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return view(request, *args, **kwargs)

    return wrapper
