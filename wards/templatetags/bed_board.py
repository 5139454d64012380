"""`{% bed_tiles ward.tiles %}`: a ward's bed tiles, written out in Python.

A 200-bed board drawn by the template language cost ~80 µs a tile, 16 ms a board, and every open
board fetches itself again on each bed change (tests/bench/pages.py --large). The tiles come
from wards.selectors.bed_board as plain values; this writes the same markup the template did
(tests/wards/test_bed_board_tiles.py) in a few microseconds a tile: every value is escaped
(html.escape, as Django's escape does) and the joined board is marked safe once.
"""

from html import escape

from django import template
from django.middleware.csrf import get_token
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


def _inside(tile: dict, request, refused_bed: int | None, refusal: str) -> str:
    """What the tile holds below its number: the stay, or the one action the viewer may take."""
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
            f'value="{escape(get_token(request))}">{submission_field()}'
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


def bed_tile(tile: dict, *, request, refused_bed: int | None = None, refusal: str = "") -> str:
    """One bed's tile (a dict of wards.selectors.bed_board) as HTML, every value escaped."""
    status = escape(tile["status"])
    return (
        f'<div class="bed-tile bed-{status}" data-testid="bed" data-bed="{tile["pk"]}" '
        f'data-status="{status}"><div class="d-flex justify-content-between">'
        f'<strong class="fs-5">{escape(str(tile["number"]))}</strong>'
        f'<span class="small">{escape(str(tile["status_label"]))}</span></div>'
        f"{_inside(tile, request, refused_bed, refusal)}</div>"
    )


@register.simple_tag(takes_context=True)
def bed_tiles(context: template.Context, tiles: list[dict]) -> SafeString:
    """Every tile of a ward, in order; a refused bed action's sentence on its bed's tile."""
    request = context["request"]
    refused_bed, refusal = context.get("refused_bed"), str(context.get("bed_refusal", ""))
    return mark_safe(  # noqa: S308 (each value is escaped in bed_tile)
        "".join(
            bed_tile(tile, request=request, refused_bed=refused_bed, refusal=refusal)
            for tile in tiles
        )
    )
