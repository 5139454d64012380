"""The frame of every page (templates/base.html) written out in Python: its stylesheets and
scripts, the main bar around the bell and the chat badge, and the idle sign-out's dialog.

Every page pays for its frame before its own content: as template markup the signed-in frame
walked ~200 nodes and 9 `{% static %}` and 5 `{% url %}` tags a page, some 4,800-6,700 Python
calls of a 15,000-call page (docs/BENCHMARKS.md, issue 14, session 29). What does not change
while the server runs (the static files' addresses, the links, the dialog) is written once per
process and per setting that shapes it; the rest (names, the entries of the person's role, the
page that is open, the form tokens) is written per page with every value escaped, as
`{{ value }}` escapes it. tests/hms/test_frame.py holds the output to a frozen copy of the
template it replaced, for every role, the portal, an open entry, markup in names and a base
path.
"""

from functools import lru_cache
from html import escape

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe
from django_htmx.jinja import htmx_script

from hms import submissions

register = template.Library()

_CURRENT = ' aria-current="page"'


@lru_cache(maxsize=8)
def _head_links(patient: bool, signed_in: bool) -> SafeString:
    """The stylesheets and icon before the htmx script (the portal's stylesheet for a patient)."""
    portal = f'<link rel="stylesheet" href="{escape(static("css/portal.css"))}">' if patient else ""
    return mark_safe(  # noqa: S308 (addresses of the project's own files, escaped)
        f'<link rel="stylesheet" href="{escape(static("vendor/bootstrap-5.3.9/bootstrap.min.css"))}">\n'
        '  <link rel="stylesheet"'
        f' href="{escape(static("vendor/bootstrap-icons-1.13.2/bootstrap-icons.min.css"))}">\n'
        f'  <link rel="stylesheet" href="{escape(static("css/hms.css"))}">\n'
        f"  {portal}\n"
        f'  <link rel="icon" href="{escape(static("favicon.svg"))}" type="image/svg+xml">'
    )


@lru_cache(maxsize=8)
def _head_scripts(signed_in: bool) -> SafeString:
    """The scripts after the htmx script (the idle sign-out's for a signed-in person)."""
    idle = f'<script src="{escape(static("js/idle.js"))}" defer></script>' if signed_in else ""
    return mark_safe(  # noqa: S308 (addresses of the project's own files, escaped)
        '<script src="'
        f'{escape(static("vendor/bootstrap-5.3.9/bootstrap.bundle.min.js"))}" defer></script>\n'
        f'  <script src="{escape(static("js/hms.js"))}" defer></script>\n'
        f"  {idle}"
    )


@lru_cache(maxsize=8)
def _htmx_scripts(debug: bool) -> SafeString:
    """htmx's `<script>` and its WebSocket extension's, as django-htmx's `{% htmx_script %}`
    writes them (its own writer, once per process: ~200 calls a page)."""
    return htmx_script(extensions="hx-ws")


@receiver(setting_changed)
def _forget_static_addresses(*, setting: str, **kwargs) -> None:
    """A test that changes where static files are served from gets the new addresses."""
    if setting in {"STATIC_URL", "STORAGES", "STATIC_ROOT", "DEBUG"}:
        _head_links.cache_clear()
        _head_scripts.cache_clear()
        _htmx_scripts.cache_clear()


def _is_patient(user) -> bool:
    return bool(getattr(user, "is_patient", False))


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


@register.simple_tag(takes_context=True)
def frame_head_links(context: template.Context) -> SafeString:
    """`<link>`s of the page's head: Bootstrap, its icons, HMS's own, the portal's, the icon."""
    user = context.get("user")
    return _head_links(_is_patient(user), _signed_in(user))


@register.simple_tag
def frame_htmx_script() -> SafeString:
    """`{% htmx_script extensions="hx-ws" %}`, written once per process."""
    return _htmx_scripts(settings.DEBUG)


@register.simple_tag(takes_context=True)
def frame_head_scripts(context: template.Context) -> SafeString:
    """`<script>`s of the page's head after htmx: Bootstrap, HMS's own, the idle sign-out's."""
    return _head_scripts(_signed_in(context.get("user")))


@lru_cache(maxsize=8)
def _links(prefix: str, hospital: str) -> tuple[str, str, str, str]:
    """The bar's fixed links under the script prefix `prefix`: the brand (with the hospital's
    name), change password, two-step sign-in, sign out."""
    name = escape(hospital)
    brand = (
        f'<a class="navbar-brand fw-semibold" href="{escape(reverse("dashboard"))}"'
        f' title="{name}: my dashboard"><i class="bi bi-hospital me-1" aria-hidden="true"></i>'
        f'<span class="hms-bar-name">{name}</span></a>'
    )
    return (
        brand,
        escape(reverse("account_change_password")),
        escape(reverse("otp_setup")),
        escape(reverse("account_logout")),
    )


@register.simple_tag(takes_context=True)
def frame_bar_start(context: template.Context) -> SafeString:
    """The main bar up to its tools: the brand and the "Offline" badge (the bell and the chat
    badge follow, from their own templates)."""
    brand, _password, _otp, _logout = _links(
        get_script_prefix(), str(context.get("HOSPITAL_NAME", ""))
    )
    return mark_safe(  # noqa: S308 (the hospital's name escaped in _links)
        '<nav class="navbar navbar-expand-md navbar-dark bg-primary shadow-sm" aria-label="Main">\n'
        '    <div class="container-fluid">\n'
        f"      {brand}\n"
        '      <div class="d-flex align-items-center gap-2 order-xl-last ms-auto ms-xl-2"'
        ' data-testid="nav-tools">\n'
        '        <span id="live-status" class="badge text-bg-warning py-2" role="status" hidden'
        ' data-testid="live-offline" title="Live updates lost: reconnecting…"><i class="bi'
        ' bi-wifi-off me-1" aria-hidden="true"></i>Offline<span class="visually-hidden">: live'
        " updates lost, reconnecting</span></span>"
    )


def _csrf_input(context: template.Context) -> str:
    """What `{% csrf_token %}` writes."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(token))}">'


def _menu_entries(items, margin: str) -> str:
    return "".join(
        f'<li><a class="dropdown-item" href="{escape(item.href)}"><i class="bi'
        f' bi-{escape(item.icon)} {margin}" aria-hidden="true"></i>{escape(item.label)}</a></li>'
        for item in items
    )


@register.simple_tag(takes_context=True)
def frame_bar_end(context: template.Context) -> SafeString:
    """The main bar after the bell: the person's menu (their own pages, password, two-step
    sign-in, sign out), the menu button and the role's entries (the open page's marked),
    with the administrator's own menu."""
    _brand, password, otp, logout = _links(
        get_script_prefix(), str(context.get("HOSPITAL_NAME", ""))
    )
    user = context.get("user")
    who = f"{escape(str(user))} · {escape(str(user.role_label))}"
    first = escape(str(user.first_name or user.username))
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    open_page = match.url_name if match is not None else None
    main = []
    for item in context.get("nav_items") or ():
        here = open_page == item.url_name
        main.append(
            '\n          <li class="nav-item">\n'
            f'            <a class="nav-link text-nowrap{" active" if here else ""}"'
            f' href="{escape(item.href)}"{_CURRENT if here else ""}><i class="bi'
            f' bi-{escape(item.icon)} me-1" aria-hidden="true"></i>{escape(item.label)}</a>\n'
            "          </li>\n          "
        )
    admin_items = context.get("nav_admin_items")
    admin = ""
    if admin_items:
        admin = (
            '\n          <li class="nav-item dropdown">\n'
            '            <button class="nav-link dropdown-toggle btn btn-link" type="button"'
            ' data-bs-toggle="dropdown" aria-expanded="false" data-testid="admin-menu"><i'
            ' class="bi bi-gear me-1" aria-hidden="true"></i>Administration</button>\n'
            '            <ul class="dropdown-menu">\n'
            f"              {_menu_entries(admin_items, 'me-2')}\n"
            "            </ul>\n"
            "          </li>\n          "
        )
    return mark_safe(  # noqa: S308 (every value escaped above)
        '<div class="dropdown">\n'
        '          <button class="btn btn-outline-light dropdown-toggle" type="button"'
        ' data-bs-toggle="dropdown" aria-expanded="false" data-testid="user-menu"'
        f' title="{who}">\n'
        '            <i class="bi bi-person-circle me-1" aria-hidden="true"></i><span'
        f' class="hms-bar-name">{first}</span>\n'
        "          </button>\n"
        '          <ul class="dropdown-menu dropdown-menu-end">\n'
        f'            <li><h6 class="dropdown-header">{who}</h6></li>\n'
        f"            {_menu_entries(context.get('nav_me_items') or (), 'me-2')}\n"
        f'            <li><a class="dropdown-item" href="{password}"><i class="bi bi-key me-2"'
        ' aria-hidden="true"></i>Change password</a></li>\n'
        f'            <li><a class="dropdown-item" href="{otp}"><i class="bi bi-phone me-2"'
        ' aria-hidden="true"></i>Two-step sign-in</a></li>\n'
        '            <li><hr class="dropdown-divider"></li>\n'
        "            <li>\n"
        f'              <form method="post" action="{logout}">{_csrf_input(context)}'
        f'<input type="hidden" name="{submissions.FIELD}" value="{submissions.new_token()}">\n'
        '                <button class="dropdown-item" type="submit"><i class="bi'
        ' bi-box-arrow-right me-2" aria-hidden="true"></i>Sign out</button>\n'
        "              </form>\n"
        "            </li>\n"
        "          </ul>\n"
        "        </div>\n"
        "      </div>\n"
        '      <button class="navbar-toggler ms-2" type="button" data-bs-toggle="collapse"'
        ' data-bs-target="#main-nav" aria-controls="main-nav" aria-expanded="false"'
        ' aria-label="Menu">\n'
        '        <span class="navbar-toggler-icon"></span>\n'
        "      </button>\n"
        '      <div class="collapse navbar-collapse" id="main-nav">\n'
        '        <ul class="navbar-nav me-auto">\n'
        f"          {''.join(main)}\n"
        f"          {admin}\n"
        "        </ul>\n"
        "      </div>\n"
        "    </div>\n"
        "  </nav>"
    )


@lru_cache(maxsize=8)
def _idle_dialog(prefix: str, timeout: str) -> SafeString:
    return mark_safe(  # noqa: S308 (the link and the number escaped)
        "\n"
        '<dialog id="idle-dialog" class="border-0 rounded-3 shadow p-0" role="alertdialog"'
        ' aria-labelledby="idle-title" aria-describedby="idle-text"'
        f' data-idle-url="{escape(reverse("activity"))}" data-idle-timeout="{escape(timeout)}"'
        ' data-testid="idle-dialog">\n'
        '  <div class="p-4" style="max-width: 28rem">\n'
        '    <h2 class="h4" id="idle-title"><i class="bi bi-hourglass-split me-1"'
        ' aria-hidden="true"></i>Still there?</h2>\n'
        '    <p id="idle-text" class="fs-5">For your patients\' privacy you will be signed out in'
        " <strong><span data-idle-countdown>60</span> seconds</strong>. Press the button to"
        " carry on.</p>\n"
        '    <button type="button" class="btn btn-primary btn-lg w-100" data-idle-stay'
        ' data-testid="idle-stay">Stay signed in</button>\n'
        "  </div>\n"
        "</dialog>\n"
    )


@register.simple_tag(takes_context=True)
def frame_idle_dialog(context: template.Context) -> SafeString:
    """A minute before idle sign-out (IDLE_TIMEOUT_SECONDS without a key press, click or touch:
    static/js/idle.js), it asks whether to stay signed in. Background refreshes never count."""
    return _idle_dialog(get_script_prefix(), str(context.get("IDLE_TIMEOUT_SECONDS", "")))
