from django.urls import path

from leads.activity import api, views

urlpatterns = [
    path("tasks/", views.my_tasks, name="tasks"),
    path("tasks/<id:task_id>/done/", views.task_toggle, name="task-toggle"),
    path("leads/<id:lead_id>/notes/", views.note_create, name="note-create"),
    path("leads/<id:lead_id>/tasks/", views.task_create_view, name="task-create"),
    path("api/leads/<id:lead_id>/notes", api.notes, name="api-notes"),
    path("api/leads/<id:lead_id>/activity", api.activity, name="api-activity"),
    path("api/leads/<id:lead_id>/tasks", api.lead_tasks, name="api-lead-tasks"),
    path("api/tasks", api.tasks, name="api-tasks"),
    path("api/tasks/<id:task_id>/done", api.task_done, name="api-task-done"),
]
