"""The demo's pages. The lists' contents travel through the router, not these views."""

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .guests import display_name, ensure_visitor
from .models import TodoList


@ensure_visitor
def index(request: HttpRequest) -> HttpResponse:
    """Every list, with how many of its items are still open."""
    lists = TodoList.objects.annotate(
        open_items=Count("items", filter=Q(items__done=False)), all_items=Count("items")
    )
    return render(request, "todo/index.html", {"lists": lists, "me": display_name(request.user)})


@ensure_visitor
def todo_list(request: HttpRequest, list_id: int) -> HttpResponse:
    """One list, live: its items come from realtime.js (``todo/todo.js``)."""
    todo_list = get_object_or_404(TodoList, pk=list_id)
    return render(
        request, "todo/list.html", {"todo_list": todo_list, "me": display_name(request.user)}
    )


@require_POST
@ensure_visitor
def create_list(request: HttpRequest) -> HttpResponse:
    """A new list, named in the index page's form."""
    name = request.POST.get("name", "").strip()[:100]
    if not name:
        return redirect("todo:index")
    return redirect("todo:list", list_id=TodoList.objects.create(name=name).pk)


@require_POST
@ensure_visitor
def rename_me(request: HttpRequest) -> HttpResponse:
    """Change the name others see (stored as the user's first name)."""
    name = request.POST.get("name", "").strip()[:150]
    if name:
        request.user.first_name = name  # type: ignore[union-attr]
        request.user.save(update_fields=["first_name"])  # type: ignore[union-attr]
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("todo:index")
    return redirect(target)
