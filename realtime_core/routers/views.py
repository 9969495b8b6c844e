"""Internal: the routers' verbs over HTTP, JSON in and out.

Served under ``realtime/`` by ``realtime_core.urls`` (see :mod:`realtime_core.routers.urls`)
for every router in :data:`realtime_core.routers.default_registry`:

======================================  ========  =====================================
Path                                    Method    Verb and success answer
======================================  ========  =====================================
``routes/<route>/``                     GET       get_list: 200 ``{"results": [...],
                                                  "count", "page", "page_size",
                                                  "has_next"}``
``routes/<route>/``                     POST      create: 201 with the object
``routes/<route>/<pk>/``                GET       get_single: 200 with the object
``routes/<route>/<pk>/``                PATCH     update (partial): 200 with the object
``routes/<route>/<pk>/``                DELETE    delete: 200 ``{"id": pk}``
``subscriptions/<route>/``              GET       subscribe: 200 ``{"channel": name}``
======================================  ========  =====================================

Lists and subscriptions take filters as query parameters (``?todo_list=1&done=false``);
lists also ``ordering=-order,text``, ``page`` (from 1) and ``page_size``. Objects are
what the router's serializer publishes; writes send a JSON object of
``Meta.update_fields`` (an update never changes the primary key: the URL names the
object). Errors are ``{"error": message}``: 400 (with ``"errors"``,
messages by field or parameter name) for invalid data, parameters or JSON, or for an
object too large to publish (nothing is saved then); 403 refused; 404 unknown route or
object; 405 (with ``Allow``) for another method; 500 ``{"error": …}`` (with no details:
they go to the logs, as Django reports an error) when the view fails unexpectedly.

These are ordinary Django views: the session says who the user is and CSRF protection
applies to writes (send ``X-CSRFToken``). Writes run in a transaction and go through
the model's ``save()``/``delete()``, so a ``SelfPublishModel`` publishes them once
committed. An update or delete locks its row first (``select_for_update()``, where the
database has it), so of two concurrent deletes of one object the second answers 404.

Every subscriber hears about a write, the writer's own connection included, unless the
write carries ``X-Realtime-Exclude-Self: 1`` with the connection's ``X-Socket-ID``
(realtime.js sends both for ``{excludeSelf: true}``): then that connection is left out
(see :func:`realtime_core.models.excluding_socket`), for a page that shows its own
change from the answer. An ``X-Socket-ID`` that is no socket id is answered with 400;
without one there is no connection to leave out.

Every answer names the configured deployment in ``X-Realtime-Deployment``, so a page
learns of a switch from its next router call (see :mod:`realtime_core.transition`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.db import models, transaction
from django.db import router as database_routers
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_protect

from ..authorization import RequestUser
from ..exceptions import DataTooLarge, InvalidMessage
from ..json_views import BadRequest, json_body, json_error, json_errors, request_user
from ..models import excluding_socket
from ..protocol import validate_socket_id
from ..transition import announces_deployment
from .base import ModelRouter
from .channels import ChannelError
from .listing import page_of, read_list_query, single_values
from .registry import default_registry

__all__ = ["object_view", "objects_view", "subscription_view"]

Handler = Callable[..., HttpResponse]

EXCLUDE_SELF_HEADER = "X-Realtime-Exclude-Self"
"""A write with this header set to ``1`` is not published to its ``X-Socket-ID``."""
SOCKET_ID_HEADER = "X-Socket-ID"


def _refused(router: ModelRouter) -> JsonResponse:
    return json_error(403, f"Not allowed on route {router.route_name!r}.")


def _dispatch(
    request: HttpRequest, route: str, handlers: Mapping[str, Handler], **kwargs: str
) -> HttpResponse:
    handler = handlers.get(request.method or "")
    if handler is None:
        allowed = ", ".join(handlers)
        response = json_error(405, f"Method {request.method} is not allowed here; use {allowed}.")
        response["Allow"] = allowed
        return response
    router = default_registry.get(route)
    if router is None:
        return json_error(404, f"No route {route!r}.")
    try:
        return handler(request, router, **kwargs)
    except BadRequest as exc:
        return json_error(400, str(exc))
    except PermissionDenied:  # raised by a router's own hooks
        return _refused(router)
    except Http404:
        return json_error(404, f"No such object on route {router.route_name!r}.")
    except DataTooLarge as exc:  # the event is refused with the write, which rolled back
        return json_error(400, f"Not saved: the object is too large to publish. {exc}")


def _get_object(
    request: HttpRequest, router: ModelRouter, pk: str, *, lock: bool = False
) -> models.Model:
    try:
        value = router.model._meta.pk.to_python(pk)
        if lock:
            _lock_row(router.model, value)
        obj: models.Model = router.get_queryset(request).get(pk=value)
    except (ValidationError, ValueError, ObjectDoesNotExist):
        raise Http404(pk) from None
    return obj


def _lock_row(model: type[models.Model], pk: object) -> None:
    """Hold the row until the transaction ends, once other writers of it committed.

    Without the lock, two transactions that both read the row before either deleted it
    would both delete it (the second deleting nothing, yet answering 200 and publishing
    ``deleted`` again), and an update racing a delete would fail saving a row that is
    gone. Through the base manager: the router's queryset may join or aggregate, which
    ``FOR UPDATE`` refuses. SQLite has no row locks (the query locks nothing there): a
    writer holds the whole database, from ``BEGIN`` with ``"transaction_mode":
    "IMMEDIATE"``, so the second transaction reads only once the first committed.
    """
    list(model._base_manager.select_for_update().filter(pk=pk).values_list("pk", flat=True))


def _stored(router: ModelRouter, instance: models.Model) -> dict[str, Any]:
    # As the database now holds it: a partial save leaves other fields as loaded.
    stored = router.model._default_manager.using(instance._state.db).get(pk=instance.pk)
    return router.serializer_class().serialize(stored)


def _may_write(router: ModelRouter, user: RequestUser, obj: models.Model) -> bool:
    # The answer shows the object written, so writing needs reading too.
    return router.has_read_permission(user, obj) and router.has_write_permission(user, obj)


def _atomic(router: ModelRouter) -> transaction.Atomic:
    return transaction.atomic(using=database_routers.db_for_write(router.model))


def _excluded_writer(request: HttpRequest) -> AbstractContextManager[None]:
    """Leave the writer's connection out of the write's events, if the request asks to."""
    if request.headers.get(EXCLUDE_SELF_HEADER, "").strip().lower() not in ("1", "true"):
        return nullcontext()
    socket_id = request.headers.get(SOCKET_ID_HEADER) or None
    try:
        validate_socket_id(socket_id)
    except InvalidMessage:
        raise BadRequest(f"{SOCKET_ID_HEADER} is not a socket id.") from None
    return excluding_socket(socket_id)


def _get_list(request: HttpRequest, router: ModelRouter) -> HttpResponse:
    query, errors = read_list_query(router, dict(request.GET.lists()))
    if query is None:
        return json_error(400, "Invalid list parameters.", errors)
    if not router.can_list(request_user(request), query.params):
        return _refused(router)
    queryset = router.filter_queryset(router.get_queryset(request, **query.params), query.params)
    rows, count, has_next = page_of(queryset.order_by(*query.order_by), query)
    serializer = router.serializer_class()
    return JsonResponse(
        {
            "results": [serializer.serialize(row) for row in rows],
            "count": count,
            "page": query.page,
            "page_size": query.page_size,
            "has_next": has_next,
        }
    )


def _create(request: HttpRequest, router: ModelRouter) -> HttpResponse:
    data = json_body(request)
    user = request_user(request)
    with _excluded_writer(request), _atomic(router):
        result = router.serializer_class().deserialize(data)
        if not result.is_valid:
            return json_error(400, "Invalid data.", result.errors)
        if not _may_write(router, user, result.instance):
            return _refused(router)
        return JsonResponse(_stored(router, result.save()), status=201)


def _get_single(request: HttpRequest, router: ModelRouter, pk: str) -> HttpResponse:
    obj = _get_object(request, router, pk)
    if not router.has_read_permission(request_user(request), obj):
        return _refused(router)
    return JsonResponse(router.serializer_class().serialize(obj))


def _update(request: HttpRequest, router: ModelRouter, pk: str) -> HttpResponse:
    data = json_body(request)
    user = request_user(request)
    with _excluded_writer(request), _atomic(router):
        obj = _get_object(request, router, pk, lock=True)
        if not _may_write(router, user, obj):
            return _refused(router)
        result = router.serializer_class().deserialize(data, obj)
        if not result.is_valid:
            return json_error(400, "Invalid data.", result.errors)
        # Checked again as it would be saved: no moving an object where one may not write.
        if not _may_write(router, user, result.instance):
            return _refused(router)
        return JsonResponse(_stored(router, result.save()))


def _delete(request: HttpRequest, router: ModelRouter, pk: str) -> HttpResponse:
    user = request_user(request)
    with _excluded_writer(request), _atomic(router):
        obj = _get_object(request, router, pk, lock=True)
        if not _may_write(router, user, obj):
            return _refused(router)
        deleted_pk = obj.pk
        obj.delete()
    return JsonResponse({"id": deleted_pk})


def _subscribe(request: HttpRequest, router: ModelRouter) -> HttpResponse:
    raw, errors = single_values(dict(request.GET.lists()))
    params, filter_errors = router.read_filters(raw)
    errors.update(filter_errors)
    if errors:
        return json_error(400, "Invalid filters.", errors)
    try:
        channel = router.channel_for(params)
    except ChannelError as exc:
        return json_error(400, str(exc))
    if not router.can_list(request_user(request), params):
        return _refused(router)
    return JsonResponse({"channel": channel})


@announces_deployment
@csrf_protect
@json_errors
def objects_view(request: HttpRequest, route: str) -> HttpResponse:
    """``routes/<route>/``: get_list (GET) and create (POST)."""
    return _dispatch(request, route, {"GET": _get_list, "POST": _create})


@announces_deployment
@csrf_protect
@json_errors
def object_view(request: HttpRequest, route: str, pk: str) -> HttpResponse:
    """``routes/<route>/<pk>/``: get_single (GET), update (PATCH) and delete (DELETE)."""
    return _dispatch(
        request, route, {"GET": _get_single, "PATCH": _update, "DELETE": _delete}, pk=pk
    )


@announces_deployment
@csrf_protect
@json_errors
def subscription_view(request: HttpRequest, route: str) -> HttpResponse:
    """``subscriptions/<route>/``: the channel to subscribe to for the filters (GET)."""
    return _dispatch(request, route, {"GET": _subscribe})
