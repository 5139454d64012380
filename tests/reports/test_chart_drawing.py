"""The SVG a chart is drawn as (templates/reports/_chart.html over reports.charts)."""

import re

from django.template.loader import render_to_string

from reports.charts import Chart, Series


def test_a_limit_s_label_sits_just_above_its_line_at_any_height():
    # A level of 7.3 days on a 0-9 scale falls between whole pixels; Django's `add` filter, which
    # placed the label, dropped the line's decimals first and put it up to a pixel off.
    chart = Chart(
        title="Length of stay",
        kind="line",
        labels=["Mo", "Tu", "We"],
        series=[Series("Days", [3, 9, 5])],
        limit=("7.3 days", 7.3),
    )

    svg = render_to_string("reports/_chart.html", {"chart": chart})

    line_y = float(re.search(r'<line [^>]*y1="([\d.]+)"[^>]*stroke="#B00020"', svg)[1])
    label_y = float(re.search(r'<text [^>]*y="([\d.]+)"[^>]*fill="#B00020">7.3 days<', svg)[1])
    assert line_y != int(line_y)
    assert round(line_y - label_y, 1) == 4
