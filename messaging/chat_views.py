"""Chat screens: conversations, a conversation, the people picker. Sending and receipts go through
messaging.services; what arrives while a page is open comes over the page's websocket."""

from django.contrib import messages as flash
from django.contrib.auth import get_user_model
from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hms import paging, params, rbac
from messaging import presence, rules, services
from messaging.models import Message, Thread, ThreadMember

PAGE_SIZE = 30
PICKER_LIMIT = 20
THREADS_PER_PAGE = 50


def _thread_for(user, thread_id: int) -> Thread:
    """The thread if `user` is in it; 404 otherwise (its existence is nobody else's business)."""
    thread = Thread.objects.filter(pk=thread_id, members__user=user).first()
    if thread is None:
        raise Http404("No such conversation.")
    return thread


def _with_people(threads, user):
    return threads.prefetch_related(
        Prefetch(
            "members",
            queryset=ThreadMember.objects.select_related("user").exclude(user=user),
            to_attr="others",
        )
    )


@rbac.capability_required("chat.use")
def chat_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    last_body = Message.objects.filter(thread=OuterRef("pk")).order_by("-id").values("body")[:1]
    threads = _with_people(
        Thread.objects.filter(members__user=user)
        .annotate(
            my_last_read=F("members__last_read_id"),
            last_body=Subquery(last_body),
        )
        .annotate(
            unread=Count(
                "messages",
                filter=Q(messages__id__gt=F("my_last_read")) & ~Q(messages__sender=user),
                distinct=True,
            )
        )
        .order_by(F("last_message_at").desc(nulls_last=True), "-id"),
        user,
    )
    page = paging.page_of(request, threads, THREADS_PER_PAGE)
    return render(request, "messaging/chat_list.html", {"threads": page, "page": page})


@rbac.capability_required("chat.use")
def chat_picker(request: HttpRequest) -> HttpResponse:
    """People the user may start a conversation with, searched by name as they type."""
    query = params.search_text(request.GET.get("q"), 60)
    people = rules.contactable(request.user)
    if query:
        people = people.filter(
            Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(username__icontains=query)
        )
    people = people.select_related("department").order_by("first_name", "last_name")[:PICKER_LIMIT]
    return render(request, "messaging/chat_picker.html", {"people": people, "query": query})


@rbac.capability_required("chat.use", post_only=True)
@require_POST
def chat_start(request: HttpRequest) -> HttpResponse:
    User = get_user_model()
    wanted = request.POST.getlist("to")
    ids = params.db_ids(wanted)
    others = list(User.objects.filter(pk__in=ids))
    if len(others) != len(ids) or len(ids) != len(set(wanted)):
        flash.error(request, "That person could not be found.")
        return redirect("chat_list")
    try:
        thread = services.thread_start(initiator=request.user, others=others)
    except services.ChatError as error:
        flash.error(request, str(error))
        return redirect("chat_list")
    return redirect("chat_thread", pk=thread.pk)


def _page_of_messages(thread: Thread, before: int | None) -> tuple[list[dict], bool]:
    rows = Message.objects.filter(thread=thread).select_related("sender").order_by("-id")
    if before:
        rows = rows.filter(id__lt=before)
    batch = list(rows[: PAGE_SIZE + 1])
    more = len(batch) > PAGE_SIZE
    batch = batch[:PAGE_SIZE][::-1]
    events = [services.message_event(message, message.sender) for message in batch]
    statuses = services.receipt_statuses(
        thread.pk, [(event["id"], event["sender_id"]) for event in events]
    )
    for event in events:
        event["status"] = statuses[event["id"]]
    return events, more


@rbac.capability_required("chat.use")
def chat_thread(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _with_people(Thread.objects.filter(pk=_thread_for(request.user, pk).pk), request.user)[
        0
    ]
    events, more = _page_of_messages(thread, None)
    if events:
        services.thread_mark_read(user=request.user, thread_id=thread.pk, up_to_id=events[-1]["id"])
    others = [member.user for member in thread.others]
    context = {
        "thread": thread,
        "others": others,
        "online": {person.pk for person in others if presence.is_online(person.pk)},
        "chat_messages": events,
        "more": more,
        "oldest": events[0]["id"] if events else 0,
        "can_write": all(rules.may_talk(request.user, person) for person in others),
        "body_limit": Message.BODY_LIMIT,
    }
    return render(request, "messaging/chat_thread.html", context)


@rbac.capability_required("chat.use")
def chat_older(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread_for(request.user, pk)
    events, more = _page_of_messages(thread, params.db_id(request.GET.get("before")))
    context = {
        "thread": thread,
        "chat_messages": events,
        "more": more,
        "oldest": events[0]["id"] if events else 0,
    }
    return render(request, "messaging/chat_thread.html#older", context)


@rbac.capability_required("chat.use", post_only=True)
@require_POST
def chat_send(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread_for(request.user, pk)
    body = request.POST.get("body", "")
    error = ""
    try:
        services.message_send(sender=request.user, thread=thread, body=body)
        body = ""
    except services.ChatError as refusal:
        error = str(refusal)
    context = {
        "thread": thread,
        "error": error,
        "body": body,
        "can_write": True,
        "body_limit": Message.BODY_LIMIT,
    }
    if request.htmx:
        # 200 even when refused: htmx swaps the form back in with the reason shown under it.
        return render(request, "messaging/chat_thread.html#compose", context)
    if error:
        flash.error(request, error)
    return redirect("chat_thread", pk=thread.pk)


@rbac.capability_required("chat.use", post_only=True)
@require_POST
def chat_read(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread_for(request.user, pk)
    up_to = params.db_id(request.POST.get("up_to"))
    if up_to:
        services.thread_mark_read(user=request.user, thread_id=thread.pk, up_to_id=up_to)
    return HttpResponse(status=204)
