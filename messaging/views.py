"""Notification screens: the list, mark read, and the bell fragment a page re-fetches."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from hms import params, rbac
from messaging import kinds, selectors, services
from messaging.models import Notification


@rbac.signed_in
def notification_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


def _list_page(
    request: HttpRequest, *, refused_pk: int | None = None, refusal: str = "", note: str = ""
) -> HttpResponse:
    """Urgent notifications not yet acknowledged pinned on top, each with its acknowledgement
    form (after a refused acknowledgement, the note as typed and the refusal beside it); below,
    the rest, filtered by kind (`?kind=`), with each kind's counts and mute switch."""
    groups = selectors.notification_groups(request.user)
    known = {group["kind"] for group in groups}
    kind = request.GET.get("kind")
    kind = kind if kind in known else None
    page = selectors.notification_page(request.user, kind, request.GET.get("page"), groups)
    return render(
        request,
        "messaging/notifications.html",
        {
            "page": page,
            "pinned": selectors.pinned_notifications(request.user),
            "groups": groups,
            "kind": kind,
            "refused_pk": refused_pk,
            "refusal": refusal,
            "typed_note": note,
        },
    )


@rbac.capability_required(rbac.SIGNED_IN, post_only=True)
@require_POST
def notification_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """Acknowledge an urgent notification with a note of what was done."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    note = request.POST.get("note", "")
    try:
        services.notification_acknowledge(
            actor=request.user, notification_id=notification.pk, note=note, request=request
        )
    except services.NotificationError as refusal:
        if refusal.field is None:
            messages.error(request, str(refusal))
            return redirect("notification_list")
        return _list_page(request, refused_pk=notification.pk, refusal=str(refusal), note=note)
    messages.success(request, "Acknowledged. Everyone it went to sees what was done.")
    return redirect("notification_list")


@rbac.capability_required(rbac.SIGNED_IN, post_only=True)
@require_POST
def notification_mute(request: HttpRequest) -> HttpResponse:
    """Mute or unmute one routine kind of notification (`kind`, `muted` = "1" or "0")."""
    kind = request.POST.get("kind", "")
    muted = request.POST.get("muted") == "1"
    try:
        services.notification_mute(user=request.user, kind=kind, muted=muted)
    except services.NotificationError as refusal:
        messages.error(request, str(refusal))
    else:
        word = "muted: they are kept here, without a pop-up" if muted else "no longer muted"
        messages.success(request, f"{kinds.label(kind)} {word}.")
    return redirect("notification_list")


@rbac.signed_in
def notification_bell(request: HttpRequest) -> HttpResponse:
    """The bell alone: pages fetch it again when their socket reconnects."""
    counts = {
        "unread_count": selectors.unread_count(request.user),
        "urgent_waiting": selectors.urgent_waiting_count(request.user),
    }
    return render(request, "messaging/bell.html", counts)


@rbac.signed_in
def notification_pinned(request: HttpRequest) -> HttpResponse:
    """The pinned list alone: a page showing it fetches it again when an urgent notification
    arrives or is acknowledged (on any screen of the person) and when its socket reconnects."""
    pinned = selectors.pinned_notifications(request.user)
    return render(request, "messaging/pinned.html", {"pinned": pinned})


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
