from django.urls import path

from queues import views

urlpatterns = [
    path("", views.queue_overview, name="queue_overview"),
    path("flow/", views.queue_flow_panel, name="queue_flow_panel"),
    path("issue/", views.ticket_issue, name="ticket_issue"),
    path("<int:pk>/", views.point_queue, name="point_queue"),
    path("<int:pk>/call-next/", views.call_next, name="call_next"),
    path("tickets/<int:pk>/recall/", views.ticket_recall, name="ticket_recall"),
    path("tickets/<int:pk>/serve/", views.ticket_serve, name="ticket_serve"),
    path("tickets/<int:pk>/finish/", views.ticket_finish, name="ticket_finish"),
    path("tickets/<int:pk>/no-show/", views.ticket_no_show, name="ticket_no_show"),
    path("tickets/<int:pk>/transfer/", views.ticket_transfer, name="ticket_transfer"),
    path("setup/", views.queue_setup, name="queue_setup"),
    path("setup/points/<int:pk>/toggle/", views.service_point_toggle, name="service_point_toggle"),
    path("setup/displays/", views.display_create, name="display_create"),
    path("setup/displays/<int:pk>/revoke/", views.display_revoke, name="display_revoke"),
    path("display/<str:token>/", views.queue_display, name="queue_display"),
    path("display/<str:token>/board/", views.queue_display_board, name="queue_display_board"),
]
