from django.urls import path

from . import views

app_name = "todo"

urlpatterns = [
    path("", views.index, name="index"),
    path("lists/", views.create_list, name="create-list"),
    path("lists/<int:list_id>/", views.todo_list, name="list"),
    path("me/", views.rename_me, name="rename-me"),
]
