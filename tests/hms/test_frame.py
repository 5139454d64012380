"""The frame of every page written out in Python (hms/templatetags/frame.py) is the markup
templates/base.html wrote before (issue 14, session 29): the old template is kept here, frozen,
and both are rendered for the same request."""

import re

import pytest
from django.contrib import messages
from django.template import engines
from django.urls import set_script_prefix

from hms import rbac
from tests.conftest import sign_in
from tests.factories import UserFactory

OLD_BASE = """{% load static django_htmx partials %}<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="htmx-config" content='{"includeIndicatorStyles": false, "allowEval": false, "historyCacheSize": 0, "refreshOnHistoryMiss": true}'>
  <title>{% block title %}{{ HOSPITAL_NAME }}{% endblock %} · HMS</title>
  <link rel="stylesheet" href="{% static 'vendor/bootstrap-5.3.9/bootstrap.min.css' %}">
  <link rel="stylesheet" href="{% static 'vendor/bootstrap-icons-1.13.2/bootstrap-icons.min.css' %}">
  <link rel="stylesheet" href="{% static 'css/hms.css' %}">
  {% if user.is_patient %}<link rel="stylesheet" href="{% static 'css/portal.css' %}">{% endif %}
  <link rel="icon" href="{% static 'favicon.svg' %}" type="image/svg+xml">
  {% htmx_script extensions="hx-ws" %}
  <script src="{% static 'vendor/bootstrap-5.3.9/bootstrap.bundle.min.js' %}" defer></script>
  <script src="{% static 'js/hms.js' %}" defer></script>
  {% if user.is_authenticated %}<script src="{% static 'js/idle.js' %}" defer></script>{% endif %}
  {% block head %}{% endblock %}
</head>
<body class="bg-body-tertiary" hx-headers='{"X-CSRFToken": "{{ csrf_token }}"}' {% block body_attrs %}{% endblock %}>
  <a class="visually-hidden-focusable" href="#main">Skip to content</a>
  {% if user.is_authenticated and not hide_navigation and not user.must_change_password %}
  <nav class="navbar navbar-expand-md navbar-dark bg-primary shadow-sm" aria-label="Main">
    <div class="container-fluid">
      <a class="navbar-brand fw-semibold" href="{% url 'dashboard' %}" title="{{ HOSPITAL_NAME }}: my dashboard"><i class="bi bi-hospital me-1" aria-hidden="true"></i><span class="hms-bar-name">{{ HOSPITAL_NAME }}</span></a>
      <div class="d-flex align-items-center gap-2 order-xl-last ms-auto ms-xl-2" data-testid="nav-tools">
        <span id="live-status" class="badge text-bg-warning py-2" role="status" hidden data-testid="live-offline" title="Live updates lost: reconnecting…"><i class="bi bi-wifi-off me-1" aria-hidden="true"></i>Offline<span class="visually-hidden">: live updates lost, reconnecting</span></span>
        {% if chat_unread is not None %}{% include "messaging/chat_badge.html" %}{% endif %}
        {% include "messaging/bell.html" %}
        <div class="dropdown">
          <button class="btn btn-outline-light dropdown-toggle" type="button" data-bs-toggle="dropdown" aria-expanded="false" data-testid="user-menu" title="{{ user }} · {{ user.role_label }}">
            <i class="bi bi-person-circle me-1" aria-hidden="true"></i><span class="hms-bar-name">{{ user.first_name|default:user.username }}</span>
          </button>
          <ul class="dropdown-menu dropdown-menu-end">
            <li><h6 class="dropdown-header">{{ user }} · {{ user.role_label }}</h6></li>
            {% for item in nav_me_items %}<li><a class="dropdown-item" href="{{ item.href }}"><i class="bi bi-{{ item.icon }} me-2" aria-hidden="true"></i>{{ item.label }}</a></li>{% endfor %}
            <li><a class="dropdown-item" href="{% url 'account_change_password' %}"><i class="bi bi-key me-2" aria-hidden="true"></i>Change password</a></li>
            <li><a class="dropdown-item" href="{% url 'otp_setup' %}"><i class="bi bi-phone me-2" aria-hidden="true"></i>Two-step sign-in</a></li>
            <li><hr class="dropdown-divider"></li>
            <li>
              <form method="post" action="{% url 'account_logout' %}">{% csrf_token %}{% submission_field %}
                <button class="dropdown-item" type="submit"><i class="bi bi-box-arrow-right me-2" aria-hidden="true"></i>Sign out</button>
              </form>
            </li>
          </ul>
        </div>
      </div>
      <button class="navbar-toggler ms-2" type="button" data-bs-toggle="collapse" data-bs-target="#main-nav" aria-controls="main-nav" aria-expanded="false" aria-label="Menu">
        <span class="navbar-toggler-icon"></span>
      </button>
      <div class="collapse navbar-collapse" id="main-nav">
        <ul class="navbar-nav me-auto">
          {% for item in nav_items %}
          <li class="nav-item">
            <a class="nav-link text-nowrap{% if request.resolver_match.url_name == item.url_name %} active{% endif %}" href="{{ item.href }}"{% if request.resolver_match.url_name == item.url_name %} aria-current="page"{% endif %}><i class="bi bi-{{ item.icon }} me-1" aria-hidden="true"></i>{{ item.label }}</a>
          </li>
          {% endfor %}
          {% if nav_admin_items %}
          <li class="nav-item dropdown">
            <button class="nav-link dropdown-toggle btn btn-link" type="button" data-bs-toggle="dropdown" aria-expanded="false" data-testid="admin-menu"><i class="bi bi-gear me-1" aria-hidden="true"></i>Administration</button>
            <ul class="dropdown-menu">
              {% for item in nav_admin_items %}<li><a class="dropdown-item" href="{{ item.href }}"><i class="bi bi-{{ item.icon }} me-2" aria-hidden="true"></i>{{ item.label }}</a></li>{% endfor %}
            </ul>
          </li>
          {% endif %}
        </ul>
      </div>
    </div>
  </nav>
  {% endif %}
  {% block live %}{% if user.is_authenticated %}
  <div id="live" hx-ext="ws" ws-connect="/ws/?topics={% block live_topics %}{% endblock %}" data-testid="live-socket" hidden></div>
  <div id="live-signals" hidden></div>
  {% endif %}{% endblock %}
  <main id="main" class="{% block container_class %}container-xl{% endblock %} py-4">
    {# What the last action did (or why not): in the page's flow above its content, so it never covers a form's buttons, and it stays until closed. #}
    <div id="messages" aria-live="polite">{% for message in messages %}
      <div class="alert alert-{{ message.tags|default:'info' }} alert-dismissible fs-6" role="status" data-hms-message>{{ message }}<button type="button" class="btn-close" data-bs-dismiss="alert" aria-label="Close"></button></div>
    {% endfor %}</div>
    {% block content %}{% endblock %}
  </main>
  {# Live notifications and network trouble float here, and go away by themselves (urgent ones stay). #}
  <div class="toast-container position-fixed bottom-0 end-0 p-3" id="toasts" aria-live="polite" aria-atomic="false"></div>
  {% if user.is_authenticated %}{% include "hms/idle_dialog.html" %}{% endif %}

  {% if user.is_authenticated %}{% with popup=urgent_popup %}{% if popup %}{% include "messaging/urgent_popup.html" with pinned=popup %}{% endif %}{% endwith %}{% endif %}
  {% block scripts %}{% endblock %}
</body>
</html>
"""

# The tokens drawn per render: the CSRF token (masked afresh each time it is asked for) and the
# one-time submission token.
_TOKENS = re.compile(r'(value="|"X-CSRFToken": ")[A-Za-z0-9-]{20,}"')


def _both(request, **extra) -> tuple[str, str]:
    engine = engines["django"]
    old = engine.from_string(OLD_BASE).render(dict(extra), request)
    new = engine.get_template("base.html").render(dict(extra), request)
    return _TOKENS.sub(r'\1TOKEN"', old), _TOKENS.sub(r'\1TOKEN"', new)


def _request(client, path):
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.status_code)
    return answer.wsgi_request


@pytest.mark.parametrize("role", rbac.ROLES)
def test_every_roles_frame_is_the_old_templates(client, role_users, role):
    request = _request(sign_in(client, role_users[role]), "/dashboard/")

    old, new = _both(request)

    assert new == old
    assert 'data-testid="user-menu"' in new
    assert ('href="/static/css/portal.css"' in new or "portal.css" in new) == (role == rbac.PATIENT)


def test_the_open_pages_entry_is_marked_as_before(client, staff):
    request = _request(sign_in(client, staff.receptionist), "/patients/")

    old, new = _both(request)

    assert new == old
    assert 'aria-current="page"' in new


def test_markup_in_names_and_a_missing_first_name_are_written_as_before(client, settings, db):
    settings.HOSPITAL_NAME = 'St. "Mary\'s" <Hospital> & Co'
    person = UserFactory(
        role=rbac.NURSE, first_name="", last_name='<b>O\'Neil "&"</b>', username="o.neil<i>"
    )
    request = _request(sign_in(client, person), "/dashboard/")

    old, new = _both(request, HOSPITAL_NAME=settings.HOSPITAL_NAME)

    assert new == old
    assert "<b>O" not in new and "o.neil&lt;i&gt;" in new


def test_with_messages_hidden_navigation_and_a_base_path_it_is_as_before(client, staff):
    request = _request(sign_in(client, staff.admin), "/dashboard/")
    messages.success(request, "Saved <b>it</b>.")
    set_script_prefix("/hms/")
    try:
        old, new = _both(request)
        hidden_old, hidden_new = _both(request, hide_navigation=True)
    finally:
        set_script_prefix("/")

    assert new == old
    assert 'href="/hms/accounts/password/change/"' in new or "/hms/" in new
    assert hidden_new == hidden_old
    assert 'data-testid="user-menu"' not in hidden_new


def test_signed_out_and_a_password_to_change_it_is_as_before(client, staff, db):
    signed_out = _request(client, "/accounts/login/")
    old, new = _both(signed_out)
    assert new == old
    assert "idle-dialog" not in new

    staff.nurse.must_change_password = True
    staff.nurse.save()
    request = sign_in(client, staff.nurse).get("/dashboard/", follow=True).wsgi_request
    old, new = _both(request)
    assert new == old
    assert 'data-testid="user-menu"' not in new
