"""docs/SCREENS.md is generated (`manage.py screens`) and kept true: the committed page is what the
generator writes now, and every page a URL renders is one the generator names for it."""

import re
from fnmatch import fnmatch

from django.template.loader import get_template
from django.test import Client
from django.urls import reverse

from hms import rbac, realtime
from hms.management.commands import screens
from tests.conftest import sign_in
from tests.hms.test_permissions import project_urls, sample_kwargs, samples  # noqa: F401


def _pattern(template: str) -> str:
    """A template name as a glob: f-string parts ({user.role}) match anything."""
    return re.sub(r"\{[^}]*\}", "*", template)


def _explains(template: str, rendered: str) -> bool:
    """Whether rendering `template` accounts for `rendered`: it is that template, or one that it
    includes (a page rendered as one of its partials shows only the partial's includes)."""
    if fnmatch(rendered, _pattern(template)):
        return True
    return "{" not in template and f'"{rendered}"' in get_template(template).template.source


def test_the_screens_page_is_what_the_generator_writes():
    generated = screens.screens_markdown()

    committed = screens.SCREENS_PATH.read_text() if screens.SCREENS_PATH.exists() else ""

    assert committed == generated, (
        "docs/SCREENS.md is out of date: run `manage.py screens` and commit docs/SCREENS.md"
    )


def test_every_url_is_on_the_screens_page():
    page = screens.screens_markdown()

    missing = [
        pattern.name for _route, pattern in project_urls() if f"`{pattern.name}`" not in page
    ]

    assert missing == []


def test_the_template_each_page_renders_is_the_one_the_screens_page_names(
    samples,  # noqa: F811 (the permission walk's sample records)
    role_users,
    monkeypatch,
):
    """Opened by the administrator (who may open every URL), each page renders one of the
    templates the generator read from the view's source (besides its includes and whatever live
    fragments the visit publishes)."""
    # The live fragments a visit publishes (an audit row, say) are not the page's templates.
    monkeypatch.setattr(realtime, "render_fragment", lambda template, context=None: "")
    kwargs_by_name = sample_kwargs(samples)
    client = sign_in(Client(), role_users[rbac.ADMIN])
    unnamed = []

    for route, pattern in project_urls():
        response = client.get(reverse(pattern.name, kwargs=kwargs_by_name.get(pattern.name, {})))
        if not response.templates:
            continue  # a redirect, a file or a JSON answer: no template of its own
        rendered = [(template.name or "").split("#")[0] for template in response.templates]
        named = screens.view_templates(pattern.callback)
        if not any(_explains(template, name) for name in rendered for template in named):
            unnamed.append(f"{route}: renders {rendered}, SCREENS.md names {named}")

    assert unnamed == []
