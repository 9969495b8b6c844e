"""Router channel names: one private channel per route and set of filter values.

A name is ``private-<route>`` followed by ``;<filter>=<value>`` for each filter, in
filter-name order, values spelled canonically (see :mod:`.filters`)::

    private-todo-item                        every row (an empty filter set)
    private-todo-item;todo_list=1            the rows of list 1
    private-todo-item;done=false;todo_list=1

Channel names allow only letters, digits and ``-_=@,.;`` and at most the backend's
``max_channel_name_length`` (200) characters. A value that would need any other
character (a space, a slash, non-ASCII text) or a name that would be too long is never
mangled into something else: such filter values have no channel, so subscribing to
them is refused and objects holding them are not published there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..protocol import PRIVATE_PREFIX
from ..publishing import get_backend

__all__ = [
    "ChannelError",
    "channel_name",
    "channel_patterns",
    "read_channel_filters",
]

PAIR_SEPARATOR = ";"
VALUE_SEPARATOR = "="
# A channel name's alphabet without the two separators.
_VALUE_RE = re.compile(r"\A[-a-zA-Z0-9_@,.]*\Z")
FILTERS_PARAMETER = "filters"
"""The parameter of the authorization pattern that captures the filter part of a name."""


class ChannelError(ValueError):
    """Filter values that no channel name can carry; the message says why."""


def channel_name(route: str, values: Mapping[str, str]) -> str:
    """The channel of ``route`` for canonical filter ``values`` (name -> text)."""
    name = PRIVATE_PREFIX + route
    for key in sorted(values):
        value = values[key]
        if not _VALUE_RE.match(value):
            raise ChannelError(
                f"The value {value!r} of {key!r} cannot be part of a channel name: only "
                "letters, digits and -_@,. can."
            )
        name += f"{PAIR_SEPARATOR}{key}{VALUE_SEPARATOR}{value}"
    limit = get_backend().limits.max_channel_name_length
    if len(name) > limit:
        raise ChannelError(
            f"These filter values make a channel name of {len(name)} characters; "
            f"the limit is {limit}."
        )
    return name


def read_channel_filters(text: str) -> dict[str, str] | None:
    """The filter values (name -> text) of a name's part after ``private-<route>;``.

    None when ``text`` is not such a part: a pair without ``=`` or a name twice.
    Whether the names and values make sense is for the router to say.
    """
    values: dict[str, str] = {}
    for pair in text.split(PAIR_SEPARATOR):
        key, separator, value = pair.partition(VALUE_SEPARATOR)
        if not separator or not key or key in values:
            return None
        values[key] = value
    return values


def channel_patterns(route: str) -> tuple[str, str]:
    """The channel-authorization patterns of ``route``: without filters, and with them."""
    unfiltered = PRIVATE_PREFIX + route
    return unfiltered, f"{unfiltered}{PAIR_SEPARATOR}<str:{FILTERS_PARAMETER}>"
