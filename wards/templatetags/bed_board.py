"""`{% bed_wards wards %}` and `{% bed_tiles ward.tiles %}`: the board's wards and their bed
tiles, written out in Python.

A 200-bed board drawn by the template language cost ~80 µs a tile, 16 ms a board, and every open
board fetches itself again on each bed change (tests/bench/pages.py --large). The tiles come
from wards.selectors.bed_board as plain values; this writes the same markup the template did
(tests/wards/test_bed_board_tiles.py) in a few microseconds a tile: every value is escaped
(html.escape, as Django's escape does) and the joined board is marked safe once.
"""

from html import escape

from django import template
from django.middleware.csrf import get_token
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe

from hms.templatetags.submissions import submission_field

register = template.Library()

DISCHARGE_ORDERED = '<span class="badge text-bg-warning">Discharge ordered</span>'
# NEWS2's colour bands, as templates/clinical/_news2_badge.html draws them.
NEWS2_BADGE = {
    "high": "text-bg-danger",
    "medium": "text-bg-warning",
    "low-medium": "bg-warning-subtle text-warning-emphasis border border-warning",
    "low": "text-bg-light border",
}


def _news2(score) -> str:
    """The tile's NEWS2 badge (clinical.news2.News2 or None: not shown), its band in words."""
    if score is None:
        return ""
    # An incomplete latest set is a lower bound (clinical.news2.standing): "≥ N", k of 7.
    incomplete = f"; incomplete, {score.parameters} of 7" if score.at_least else ""
    return (
        f'<span class="badge {NEWS2_BADGE[score.risk]}" data-testid="news2" '
        f'data-risk="{score.risk}" title="{score.risk} clinical risk, observations '
        f'{score.frequency}{incomplete}">NEWS2 {"≥ " if score.at_least else ""}{score.score}'
        f"{f' · {score.parameters}/7' if score.at_least else ''}</span>"
    )


def _inside(tile: dict, csrf: str, refused_bed: int | None, refusal: str) -> str:
    """What the tile holds below its number: the stay, or the one action the viewer may take
    (`csrf`: the page's form token, escaped)."""
    if tile["admission_url"]:
        return (
            '<a class="stretched-link text-reset text-decoration-none" '
            f'href="{escape(tile["admission_url"])}"><div class="fw-semibold text-truncate" '
            f'data-testid="bed-patient">{escape(tile["patient_name"])}</div></a>'
            '<div class="small text-truncate" data-testid="bed-days">'
            f"{escape(tile['stay'])}</div>"
            f"{_news2(tile['news2'])}"
            f"{DISCHARGE_ORDERED if tile['discharge_ordered'] else ''}"
        )
    if tile["admit_url"]:
        return (
            f'<a class="stretched-link small text-reset" href="{escape(tile["admit_url"])}">'
            "Admit here</a>"
        )
    if tile["clean_url"]:
        url = escape(tile["clean_url"])
        error_id = f"bed-{tile['pk']}-error"
        refused = refused_bed == tile["pk"]
        described = f' aria-describedby="{error_id}"' if refused else ""
        return (
            f'<form method="post" action="{url}" hx-post="{url}" hx-target="#bed-board" '
            'hx-swap="outerHTML"><input type="hidden" name="csrfmiddlewaretoken" '
            f'value="{csrf}">{submission_field()}'
            '<input type="hidden" name="status" value="vacant">'
            '<button class="btn btn-sm btn-dark mt-1" type="submit" data-testid="mark-clean"'
            f"{described}>"
            '<i class="bi bi-check2" aria-hidden="true"></i>Mark clean</button>'
            + (
                f'<div class="invalid-feedback d-block" id="{error_id}">{escape(refusal)}</div>'
                if refused
                else ""
            )
            + "</form>"
        )
    return ""


def bed_tile(
    tile: dict,
    *,
    request,
    refused_bed: int | None = None,
    refusal: str = "",
    csrf: str | None = None,
) -> str:
    """One bed's tile (a dict of wards.selectors.bed_board) as HTML, every value escaped;
    `csrf`: the form token, escaped, when a board has read it once (else read here)."""
    if csrf is None and tile["clean_url"]:
        csrf = escape(get_token(request))
    status = escape(tile["status"])
    return (
        f'<div class="bed-tile bed-{status}" data-testid="bed" data-bed="{tile["pk"]}" '
        f'data-status="{status}"><div class="d-flex justify-content-between">'
        f'<strong class="fs-5">{escape(str(tile["number"]))}</strong>'
        f'<span class="small">{escape(str(tile["status_label"]))}</span></div>'
        f"{_inside(tile, csrf or '', refused_bed, refusal)}</div>"
    )


@register.simple_tag(takes_context=True)
def bed_tiles(context: template.Context, tiles: list[dict]) -> SafeString:
    """Every tile of a ward, in order; a refused bed action's sentence on its bed's tile."""
    request = context["request"]
    refused_bed, refusal = context.get("refused_bed"), str(context.get("bed_refusal", ""))
    # The form token read once for the board's "Mark clean" forms (each read masks it afresh:
    # ~50 calls a form), and only when one is drawn, as before.
    # The page's own token when the page has one (what {% csrf_token %} writes), else read here.
    csrf = ""
    if any(tile["clean_url"] for tile in tiles):
        csrf = escape(str(context.get("csrf_token") or get_token(request)))
    return mark_safe(  # noqa: S308 (each value is escaped in bed_tile)
        "".join(
            bed_tile(tile, request=request, refused_bed=refused_bed, refusal=refusal, csrf=csrf)
            for tile in tiles
        )
    )


def _number(value: int) -> str:
    """An integer as `{{ value }}` writes it (localized: grouped only from 1,000)."""
    return str(value) if -1000 < value < 1000 else str(localize(value))


NO_WARDS = '\n  <p class="text-body-secondary">No wards yet.</p>\n  '


@register.simple_tag(takes_context=True)
def bed_wards(context: template.Context, wards: list[dict]) -> SafeString:
    """Every ward of the board (wards.selectors.bed_board): its heading, its counts and its
    tiles, as the template's loop over the wards wrote them (tests/wards/test_bed_board_tiles.py);
    "No wards yet." when there is none."""
    if not wards:
        return mark_safe(NO_WARDS)  # noqa: S308 (a constant)
    parts = []
    for ward in wards:
        pk = _number(ward["pk"])
        parts.append(
            f'\n  <section class="mb-4" aria-labelledby="ward-{pk}">\n'
            f'    <h2 class="h4" id="ward-{pk}">{escape(str(ward["name"]))} <span class="badge '
            'text-bg-light border fs-6 align-middle" data-testid="ward-counts">'
            f"{_number(ward['occupied'])} of {_number(ward['bed_count'])} occupied · "
            f"{_number(ward['vacant'])} vacant</span></h2>\n"
            '    <div class="bed-grid">\n'
            f"      {bed_tiles(context, ward['tiles'])}\n"
            "    </div>\n  </section>\n  "
        )
    return mark_safe("".join(parts))  # noqa: S308 (each value is escaped)


@register.simple_tag
def ward_options(wards: list[tuple], picked: str) -> SafeString:
    """The ward picker's options after "All wards" (`wards`: (id, name) pairs; `picked`: the
    id shown, as text, or ""), as `{% for pk, name in all_wards %}<option ...>` wrote them."""
    return mark_safe(  # noqa: S308 (each name is escaped)
        "".join(
            f'<option value="{_number(pk)}"{" selected" if str(pk) == picked else ""}>'
            f"{escape(str(name))}</option>"
            for pk, name in wards
        )
    )
