"""Dashboards, user management and the second factor. Thin: check, call a service, render."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import selectors, services
from accounts.backends import has_confirmed_device
from accounts.forms import (
    SetPasswordForm,
    TokenForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
)
from accounts.models import User
from hms import paging, params, rbac
from hms.concurrent_edits import merged_note
from hms.models import AuditEntry
from hms.navigation import nav_for

USERS_PER_PAGE = 25


# --- dashboards --------------------------------------------------------------------------------


@rbac.signed_in
def dashboard(request: HttpRequest) -> HttpResponse:
    """Each role lands on its own dashboard: what that role does first."""
    user = request.user
    context = {
        "work": [item for item in nav_for(user) if item.url_name != "dashboard"],
        # A session past the second factor has a device; otherwise read with the user.
        "has_second_factor": user.is_verified() or has_confirmed_device(user),
    }
    if rbac.allows(user, "users.manage"):  # the administrator's dashboard: who is here
        counts = dict(
            User.objects.filter(is_active=True)
            .values_list("role")
            .annotate(n=Count("id"))
            .values_list("role", "n")
        )
        context["role_counts"] = [(label, counts.get(role, 0)) for role, label in rbac.ROLE_CHOICES]
        # A short panel: the latest 8 and how many there are, with the way to the full log.
        # The log only grows (millions of rows in a few years): counted up to COUNT_CAP.
        context["recent_audit"] = paging.first_of(
            AuditEntry.objects.select_related(None).order_by("-id"), 8, capped=True
        )
    return render(request, f"accounts/dashboards/{user.role}.html", context)


# --- user management (admin) -------------------------------------------------------------------


@rbac.capability_required("users.manage")
def user_list(request: HttpRequest) -> HttpResponse:
    form = UserFilterForm(request.GET or None)
    users = User.objects.select_related("department").order_by("last_name", "first_name", "id")
    if form.is_valid():
        q = form.cleaned_data["q"].strip()
        if q:
            users = users.filter(
                Q(username__icontains=q)
                | Q(first_name__icontains=q)
                | Q(last_name__icontains=q)
                | Q(email__icontains=q)
            )
        if form.cleaned_data["role"]:
            users = users.filter(role=form.cleaned_data["role"])
        if form.cleaned_data["status"]:
            users = users.filter(is_active=form.cleaned_data["status"] == "active")
    page = Paginator(users, USERS_PER_PAGE).get_page(request.GET.get("page"))
    template = "accounts/user_list.html"
    if request.htmx and request.htmx.target == "user-rows":
        template += "#rows"
    return render(request, template, {"form": form, "page": page})


@rbac.capability_required("users.manage")
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.user_create(
            actor=request.user,
            username=data["username"],
            role=data["role"],
            password=data["password"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            phone=data["phone"],
            department=data["department"],
            request=request,
        )
        messages.success(
            request, f"{user} can now sign in as {user.username} with the one-time password."
        )
        return redirect("user_edit", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form, "creating": True})


@rbac.capability_required("users.manage")
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    subject = get_object_or_404(User.objects.select_related("department"), pk=pk)
    form = UserEditForm(request.POST or None, instance=User.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(
                actor=request.user,
                user=subject,
                request=request,
                **{name: form.cleaned_data[name] for name in form.Meta.fields},
            )
        except services.AccountError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"Saved {form.cleaned_data['first_name']}'s details." + merged_note(form)
            )
            return redirect("user_edit", pk=pk)
    context = {
        "form": form,
        "subject": subject,
        "password_form": SetPasswordForm(),
        "has_second_factor": TOTPDevice.objects.filter(user=subject, confirmed=True).exists(),
        "history": selectors.user_history(subject),
        "history_url": selectors.user_history_url(subject),
    }
    return render(request, "accounts/user_form.html", context)


@require_POST
def _user_set_active(request: HttpRequest, pk: int, active: bool) -> HttpResponse:
    subject = get_object_or_404(User, pk=pk)
    try:
        services.user_set_active(actor=request.user, user=subject, active=active, request=request)
    except services.AccountError as error:
        messages.error(request, str(error))
    else:
        state = "reactivated" if active else "deactivated; they are signed out everywhere"
        messages.success(request, f"{subject} is {state}.")
    return redirect("user_edit", pk=pk)


@rbac.capability_required("users.manage", post_only=True)
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _user_set_active(request, pk, False)


@rbac.capability_required("users.manage", post_only=True)
def user_activate(request: HttpRequest, pk: int) -> HttpResponse:
    return _user_set_active(request, pk, True)


@rbac.capability_required("users.manage", post_only=True)
@require_POST
def user_set_password(request: HttpRequest, pk: int) -> HttpResponse:
    subject = get_object_or_404(User, pk=pk)
    form = SetPasswordForm(request.POST)
    if form.is_valid():
        try:
            services.user_set_password(
                actor=request.user,
                user=subject,
                password=form.cleaned_data["password"],
                request=request,
            )
        except services.AccountError as error:
            messages.error(request, f"Password not changed: {error}")
        else:
            messages.success(
                request, f"New one-time password set; {subject} must change it at next sign-in."
            )
    else:
        messages.error(request, "Password not changed: enter a password.")
    return redirect("user_edit", pk=pk)


@rbac.capability_required("users.manage", post_only=True)
@require_POST
def user_remove_second_factor(request: HttpRequest, pk: int) -> HttpResponse:
    subject = get_object_or_404(User, pk=pk)
    services.totp_remove(actor=request.user, user=subject, request=request)
    messages.success(request, f"{subject}'s authenticator app was removed.")
    return redirect("user_edit", pk=pk)


# --- second factor -----------------------------------------------------------------------------


@rbac.signed_in
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code (or type the key), then confirm a code. With a
    confirmed app already there, only a session that passed the second factor may move it to a
    new phone, and only with the password again (the service checks both)."""
    user = request.user
    replacing = user_has_device(user, confirmed=True)
    if replacing and (answer := _before_replacing(request)) is not None:
        return answer
    device = services.totp_pending_device(user=user)
    form = TokenForm(request.POST or None, ask_password=replacing)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.totp_confirm(
                user=user,
                device=device,
                token=form.cleaned_data["token"],
                password=form.cleaned_data.get("password"),
                verified=user.is_verified(),
                request=request,
            )
        except services.AccountError as error:
            form.add_error("password" if "password" in str(error) else "token", str(error))
        else:
            _second_factor_passed(request, device)
            messages.success(request, "Two-step sign-in is on for your account.")
            return redirect(params.safe_next(request, settings.LOGIN_REDIRECT_URL))
    context = selectors.otp_setup_page(user, device, replacing=replacing)
    context |= {"form": form, "next": params.safe_next(request, settings.LOGIN_REDIRECT_URL)}
    return render(request, "accounts/otp_setup.html", context)


def _before_replacing(request: HttpRequest) -> HttpResponse | None:
    """With a confirmed app already there: a session that has not passed the second factor
    passes it first, and a visit that does not ask to replace the app hears it is set up."""
    if not request.user.is_verified():
        back = params.safe_next(request, settings.LOGIN_REDIRECT_URL)
        return redirect(f"{reverse('otp_verify')}?{urlencode({'next': back})}")
    if request.method == "GET" and "replace" not in request.GET:
        return render(request, "accounts/otp_done.html")
    return None


def _second_factor_passed(request: HttpRequest, device) -> None:
    """Mark the session verified under a new session key: a key seen before the second factor
    (by a shoulder, a proxy log, a fixation) is worth nothing after it."""
    request.session.cycle_key()
    otp_login(request, device)


@rbac.signed_in
def otp_verify(request: HttpRequest) -> HttpResponse:
    """After the password: the code from the authenticator app."""
    if request.user.is_verified():
        return redirect(params.safe_next(request, settings.LOGIN_REDIRECT_URL))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.totp_check(
                user=request.user, token=form.cleaned_data["token"], request=request
            )
        except services.AccountError as error:
            form.add_error("token", str(error))
        else:
            _second_factor_passed(request, device)
            return redirect(params.safe_next(request, settings.LOGIN_REDIRECT_URL))
    context = {
        "form": form,
        "next": params.safe_next(request, settings.LOGIN_REDIRECT_URL),
        "hide_navigation": True,
    }
    return render(request, "accounts/otp_verify.html", context)


@rbac.capability_required(rbac.SIGNED_IN, post_only=True)
@require_POST
def otp_remove(request: HttpRequest) -> HttpResponse:
    """Turn two-step sign-in off for oneself: only where the role does not require it."""
    if request.user.second_factor_required:
        messages.error(request, "Your role requires two-step sign-in; it cannot be turned off.")
    else:
        services.totp_remove(actor=request.user, user=request.user, request=request)
        messages.success(request, "Two-step sign-in is off for your account.")
    return redirect("dashboard")
