"""Notification screens: the list, mark read, and the bell fragment a page re-fetches."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from hms import params, rbac
from messaging import selectors, services
from messaging.models import Notification

PER_PAGE = 30


@rbac.signed_in
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.filter(recipient=request.user)
    page = Paginator(notifications, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "messaging/notifications.html", {"page": page})


@rbac.signed_in
def notification_bell(request: HttpRequest) -> HttpResponse:
    """The bell alone: pages fetch it again when their socket reconnects."""
    return render(
        request, "messaging/bell.html", {"unread_count": selectors.unread_count(request.user)}
    )


@rbac.capability_required(rbac.SIGNED_IN, post_only=True)
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and go where it points."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.notification_mark_read(user=request.user, notification_id=notification.pk)
    if params.is_local_path(request, notification.link):
        return redirect(notification.link)
    return redirect("notification_list")


@rbac.capability_required(rbac.SIGNED_IN, post_only=True)
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.notification_mark_all_read(user=request.user)
    return redirect("notification_list")
