from django.urls import path

from messaging import views

urlpatterns = [
    path("", views.notification_list, name="notification_list"),
    path("bell/", views.notification_bell, name="notification_bell"),
    path("pinned/", views.notification_pinned, name="notification_pinned"),
    path("<int:pk>/open/", views.notification_open, name="notification_open"),
    path("<int:pk>/acknowledge/", views.notification_acknowledge, name="notification_acknowledge"),
    path("mute/", views.notification_mute, name="notification_mute"),
    path("read-all/", views.notification_read_all, name="notification_read_all"),
]
