"""The CMO cell's dashboard: which insight tables it shows (GET /api/v1/insights/{name}), and how a table
becomes a chart and a table in the person's language. Pure: the API's tables in, what the page draws out.

Each panel is one insight table (one call); its charts name the columns they draw. `totals` charts the
columns themselves, summed over the table's rows (backlog ageing: open cases per age band, all groups).
"""
from dataclasses import dataclass, field
from datetime import date

from babel.numbers import format_decimal

from services.web.charts import bar_chart
from shared.vocabulary import Status

GROUP_COLUMNS = ("department", "district", "block", "group")


@dataclass(frozen=True)
class Chart:
    values: tuple  # the columns drawn (one series each)
    label: str = None  # the column naming each bar (default: the table's first column)
    totals: bool = False  # one bar per value column, summed over the rows


@dataclass(frozen=True)
class Panel:
    key: str  # unique on the page; the translations' dash.panel.<key>
    insight: str
    params: dict = field(default_factory=dict)
    charts: tuple = ()


PANELS = (
    Panel("trends", "trends", {"interval": "week"}, (Chart((Status.FILED, Status.RESOLVED)),)),
    Panel("sla-department", "sla", {"by": "department"}, (Chart(("compliance_pct",)), Chart(("median_hours",)))),
    Panel("sla-district", "sla", {"by": "district"}, (Chart(("compliance_pct",)), Chart(("median_hours",)))),
    Panel("backlog", "backlog", {"by": "department"},
          (Chart(("0-7 days", "8-30 days", "31-90 days", "91-180 days", "over 180 days"), totals=True),)),
    Panel("escalations", "escalations", {"by": "department"},
          (Chart(("escalated_to_l2", "escalated_to_l3", "escalated_to_l4")),)),
    Panel("special-closes", "special-closes", {"by": "department"}, (Chart(("special_closes",)),)),
    Panel("ratings", "ratings", {"by": "department"}, (Chart(("average",)),)),
    Panel("hotspots", "hotspots", {"by": "district"}, (Chart(("recent_cases",)),)),
    Panel("recurring", "recurring", {"by": "district"}, (Chart(("cases_with_issue",), label="issue"),)),
)
CSV_PARAMS = {"by", "interval"}  # what a CSV link may pass on (the gateway checks the values)


def number(t, value):
    """A number in the person's digits with every decimal the API gave (Babel's default would cut a score's
    fourth decimal)."""
    return t.digits(format_decimal(value, locale=t.locale, decimal_quantization=False))


def column_name(t, column):
    key = f"dash.col.{column}"
    return t(key) if t.has(key) else column


def cell_text(t, column, value, names):
    """A cell as the person reads it: numbers in their digits, codes as names, a period as a date."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return number(t, value)
    if column == "period":
        return t.date(date.fromisoformat(value[:10]))
    if column in GROUP_COLUMNS or column == "kind":
        if value == "all":
            return t("dash.all")
        if column == "kind":
            return column_name(t, value)
        return names.get(value, value)
    return str(value)


def chart_rows(chart, columns, rows, t, names):
    at = {name: index for index, name in enumerate(columns)}
    if chart.totals:
        return [(column_name(t, c), [sum(row[at[c]] or 0 for row in rows)]) for c in chart.values if c in at]
    label = at.get(chart.label, 0)
    return [(cell_text(t, columns[label], row[label], names), [row[at[c]] for c in chart.values if c in at])
            for row in rows]


def panel_view(panel, table, t, names):
    """What the page shows of one panel: its charts (SVG) and its table, in the person's language."""
    columns, rows = table["columns"], table["rows"]
    charts = []
    for index, chart in enumerate(panel.charts):
        series = [column_name(t, c) for c in chart.values] if not chart.totals else [t("dash.col.open")]
        title = t(f"dash.panel.{panel.key}") + " · " + ", ".join(series if not chart.totals else [t("dash.ageing")])
        description = t("dash.chart_desc", count=t.number(len(rows)))
        drawn = chart_rows(chart, columns, rows, t, names)
        charts.append({"caption": ", ".join(series if not chart.totals else [t("dash.ageing")]),
                       "svg": bar_chart(f"chart-{panel.key}-{index}", title, description, drawn, series,
                                        lambda value: number(t, value))})
    return {"key": panel.key, "insight": panel.insight, "charts": charts,
            "headers": [column_name(t, c) for c in columns],
            "rows": [[cell_text(t, c, v, names) for c, v in zip(columns, row)] for row in rows],
            "csv": csv_link(panel)}


def csv_link(panel):
    query = "&".join(f"{k}={v}" for k, v in sorted(panel.params.items()) if k in CSV_PARAMS)
    return f"/dashboard/{panel.insight}.csv" + (f"?{query}" if query else "")
