from django.urls import path

from messaging import chat_views

urlpatterns = [
    path("", chat_views.chat_list, name="chat_list"),
    path("people/", chat_views.chat_picker, name="chat_picker"),
    path("start/", chat_views.chat_start, name="chat_start"),
    path("<int:pk>/", chat_views.chat_thread, name="chat_thread"),
    path("<int:pk>/older/", chat_views.chat_older, name="chat_older"),
    path("<int:pk>/send/", chat_views.chat_send, name="chat_send"),
    path("<int:pk>/read/", chat_views.chat_read, name="chat_read"),
]
