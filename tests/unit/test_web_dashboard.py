"""The dashboard's pure parts: an insight table to a chart and a table in the person's language."""
import re

from services.web import dashboard
from services.web.charts import bar_chart
from services.web.i18n import Translator

SLA = {"columns": ["department", "cases", "resolved", "resolved_in_time", "compliance_pct", "median_hours",
                   "p90_hours", "open_overdue"],
       "rows": [["phe", 1200, 40, 30, 75.0, 12.5, 40.25, 3], ["health", 2, 0, 0, None, None, None, 1]]}


def test_a_chart_is_an_image_with_a_title_a_description_and_every_number_written_on_it():
    svg = bar_chart("c1", "SLA <compliance>", "two rows", [("PHE", [75.0]), ("Health", [None])], ["%"], str)
    assert svg.startswith('<svg class="chart" role="img" aria-labelledby="c1-title c1-desc"')
    assert "<title id=\"c1-title\">SLA &lt;compliance&gt;</title><desc id=\"c1-desc\">two rows</desc>" in svg
    assert re.findall(r'<text class="value"[^>]*>([^<]*)</text>', svg) == ["75.0", "–"]
    assert "style=" not in svg and "<script" not in svg  # CSP: nothing inline


def test_a_second_series_is_told_apart_by_a_pattern_and_a_legend_not_colour_alone():
    svg = bar_chart("c2", "Trends", "weeks", [("w1", [3, 1]), ("w2", [5, 0])], ["Filed", "Resolved"], str)
    assert 'fill="url(#c2-stripes)"' in svg and '<pattern id="c2-stripes"' in svg
    assert ">Filed</text>" in svg and ">Resolved</text>" in svg
    widths = [float(w) for w in re.findall(r'<rect x="175" y="[^"]+" width="([^"]+)"', svg)]
    assert max(widths) == 480 - 175 - 60  # the largest value fills the bar area


def test_a_table_in_bengali_digits_with_names_for_codes_and_every_decimal():
    view = dashboard.panel_view(dashboard.PANELS[1], SLA, Translator("bn"), {"phe": "জনস্বাস্থ্য কারিগরি"})
    assert view["rows"][0] == ["জনস্বাস্থ্য কারিগরি", "১,২০০", "৪০", "৩০", "৭৫", "১২.৫", "৪০.২৫", "৩"]
    assert view["rows"][1][4] == "–" and view["headers"][4] == "সময়সীমা মানা (%)"
    assert len(view["charts"]) == 2 and view["csv"] == "/dashboard/sla.csv?by=department"


def test_backlog_ageing_charts_each_age_band_summed_over_the_groups():
    backlog = {"columns": ["department", "open", "0-7 days", "8-30 days", "31-90 days", "91-180 days",
                           "over 180 days"], "rows": [["phe", 5, 2, 1, 1, 0, 1], ["health", 3, 1, 1, 0, 1, 0]]}
    rows = dashboard.chart_rows(dashboard.PANELS[3].charts[0], backlog["columns"], backlog["rows"],
                                Translator("en"), {})
    assert rows == [("0-7 days", [3]), ("8-30 days", [2]), ("31-90 days", [1]), ("91-180 days", [1]),
                    ("Over 180 days", [1])]

