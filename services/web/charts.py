"""Accessible bar charts drawn on the server as inline SVG (no script, no style attribute: CSP allows them).

A chart is `role="img"` named by its `<title>` and `<desc>`; every bar carries its number as text, and a
second or third series is told apart by a pattern (stripes, dots) and a legend, never by colour alone.
Colours reach WCAG AA against white (text 4.5:1, bars 3:1). Pure: rows in, markup out.
"""
from markupsafe import Markup, escape

WIDTH = 480  # drawn at least 26rem wide (site.css), so its 15-unit text stays readable on a 360 px phone
LABEL_WIDTH = 175
VALUE_WIDTH = 60
FONT_SIZE = 15
BAR_HEIGHT = 18
GAP = 10
TOP = 8
INK = "#1b1b1b"
LABEL_CHARACTERS = 21  # longer labels are cut here (the table beside the chart has them whole)


def _fills(chart_id):
    """A solid fill, then stripes, then dots: each series can be told apart in black and white."""
    return ("#0b5394", f"url(#{chart_id}-stripes)", f"url(#{chart_id}-dots)")


def _patterns(chart_id):
    return (f'<defs><pattern id="{chart_id}-stripes" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
            f'<rect width="3" height="6" fill="#8a4500"/></pattern>'
            f'<pattern id="{chart_id}-dots" width="6" height="6" patternUnits="userSpaceOnUse">'
            f'<rect width="6" height="6" fill="#1e5631"/><circle cx="3" cy="3" r="1.5" fill="#ffffff"/>'
            f'</pattern></defs>')


def _short(label):
    label = str(label)
    return label if len(label) <= LABEL_CHARACTERS else label[:LABEL_CHARACTERS - 1] + "…"


def bar_chart(chart_id, title, description, rows, series, number):
    """`rows`: [(label, [value per series])], a value None where there is none (drawn as a dash);
    `series`: the series' names (a legend when there is more than one); `number`: formats a value in the
    person's language. Bars are scaled to the largest value."""
    largest = max([v for _, values in rows for v in values if v is not None] + [0])
    scale = (WIDTH - LABEL_WIDTH - VALUE_WIDTH) / largest if largest else 0
    fills = _fills(chart_id)
    legend_height = (BAR_HEIGHT + GAP) if len(series) > 1 else 0
    group_height = BAR_HEIGHT * len(series) + GAP
    height = TOP + legend_height + group_height * max(len(rows), 1) + GAP
    parts = [f'<svg class="chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
             f'viewBox="0 0 {WIDTH} {height}" width="100%" xmlns="http://www.w3.org/2000/svg" '
             f'font-size="{FONT_SIZE}" font-family="sans-serif">',
             f'<title id="{chart_id}-title">{escape(title)}</title>',
             f'<desc id="{chart_id}-desc">{escape(description)}</desc>', _patterns(chart_id)]
    y = TOP
    if len(series) > 1:
        x = LABEL_WIDTH
        for index, name in enumerate(series):
            parts.append(f'<rect x="{x}" y="{y}" width="{BAR_HEIGHT}" height="{BAR_HEIGHT}" fill="{fills[index]}" '
                         f'stroke="{INK}"/><text x="{x + BAR_HEIGHT + 4}" y="{y + BAR_HEIGHT - 3}" '
                         f'fill="{INK}">{escape(name)}</text>')
            x += BAR_HEIGHT + 14 + 8 * len(str(name))
        y += legend_height
    if not rows:
        parts.append(f'<text x="0" y="{y + BAR_HEIGHT}" fill="{INK}">–</text>')
    for label, values in rows:
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR_HEIGHT * len(series) / 2 + 5}" text-anchor="end" '
                     f'fill="{INK}">{escape(_short(label))}</text>')
        for index, value in enumerate(values):
            bar_y = y + index * BAR_HEIGHT
            length = round((value or 0) * scale, 1)
            if length:
                parts.append(f'<rect x="{LABEL_WIDTH}" y="{bar_y + 1}" width="{length}" height="{BAR_HEIGHT - 2}" '
                             f'fill="{fills[index]}" stroke="{INK}" stroke-width="0.5"/>')
            shown = number(value) if value is not None else "–"
            parts.append(f'<text class="value" x="{LABEL_WIDTH + length + 4}" y="{bar_y + BAR_HEIGHT - 4}" '
                         f'fill="{INK}">{escape(shown)}</text>')
        y += group_height
    parts.append("</svg>")
    return Markup("".join(parts))
