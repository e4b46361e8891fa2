"""The CMO cell's dashboard (a mixin of WebService): every insight table as a server-drawn SVG chart with the
numbers in a table beside it, and each table's CSV streamed from the gateway through the console.

- /dashboard: the CMO cell and administrators (the roles the insights API serves); a table the API cannot
  give right now is named as unavailable and the rest of the page shows.
- /dashboard/<insight>.csv: the API's `format=csv`, passed through chunk by chunk (never held whole).
"""
import requests
from werkzeug.wrappers import Response

from services.web import dashboard, filing
from services.web.gateway import UNAVAILABLE_STATUSES, PartUnavailable, SignInRequired
from services.web.i18n import Translator
from services.web.navigation import nav_link
from services.web.visit import PageForbidden, PageNotFound, page
from shared.authz import allowed

INSIGHTS = {panel.insight for panel in dashboard.PANELS}
CSV_CHUNK = 16 * 1024

nav_link("dash.nav", "/dashboard", "dashboard.read")


def require_rule(visit, rule):
    if not allowed(visit.user or {}, rule):
        raise PageForbidden()


def catalogue_names(gateway, visit):
    """Department and district codes -> names in the person's language (codes shown if the catalogue is down)."""
    try:
        catalog = gateway.catalog()
    except PartUnavailable as down:
        visit.unavailable.append(down.part)
        return {}
    return {entry["code"]: filing.name_in(entry["names"], visit.language)
            for kind in ("departments", "districts", "categories") for entry in catalog.get(kind, [])}


class DashboardPages:
    @page("GET", "/dashboard", signed_in=True)
    def dashboard(self, visit):
        require_rule(visit, "dashboard.read")
        names = catalogue_names(self.gateway, visit)
        t = Translator(visit.language)
        panels = []
        for panel in dashboard.PANELS:
            answer = visit.try_api("GET", f"/api/v1/insights/{panel.insight}", "insights", params=panel.params)
            if answer is None:
                panels.append({"key": panel.key, "missing": True})
                continue
            if answer.status == 403:
                raise PageForbidden()
            if not answer.ok:
                panels.append({"key": panel.key, "missing": True})
                continue
            panels.append(dashboard.panel_view(panel, answer.body, t, names))
        return visit.render("dashboard.html", panels=panels)

    @page("GET", "/dashboard/<string:file_name>", signed_in=True)
    def dashboard_csv(self, visit, file_name):
        require_rule(visit, "dashboard.read")
        insight = file_name.removesuffix(".csv")
        if not file_name.endswith(".csv") or insight not in INSIGHTS:
            raise PageNotFound()
        params = {k: v[:20] for k, v in visit.request.args.items() if k in dashboard.CSV_PARAMS}
        upstream = self._insight_csv(visit, insight, params)
        if upstream.status_code == 401:
            upstream.close()
            raise SignInRequired()
        if upstream.status_code >= 400:
            upstream.close()
            raise PageForbidden() if upstream.status_code == 403 else PageNotFound()
        response = Response(upstream.iter_content(CSV_CHUNK), mimetype="text/csv",
                            headers={"Content-Disposition": f'attachment; filename="{insight}.csv"',
                                     "Cache-Control": "no-store"})
        response.call_on_close(upstream.close)
        return response

    def _insight_csv(self, visit, insight, params):
        gateway = self.gateway
        try:
            upstream = gateway.http.get(f"{gateway.base}/api/v1/insights/{insight}", stream=True,
                                        timeout=gateway.timeout, params={**params, "format": "csv"},
                                        headers={"Authorization": f"Bearer {visit.access_token()}",
                                                 "Accept-Language": visit.language})
        except requests.RequestException:
            raise PartUnavailable("insights") from None
        if upstream.status_code in UNAVAILABLE_STATUSES:
            upstream.close()
            raise PartUnavailable("insights")
        return upstream
