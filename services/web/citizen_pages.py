"""The citizen's pages (a mixin of WebService): they work with JavaScript off."""
from urllib.parse import parse_qs, urlsplit

from services.web.visit import page

PAGE_SIZE = 20


def cursor_of(next_link):
    """The gateway's `next` link's cursor (the console's own links carry only the cursor)."""
    if not next_link:
        return None
    return (parse_qs(urlsplit(next_link).query).get("cursor") or [None])[0]


class CitizenPages:
    @page("GET", "/my/grievances", signed_in=True)
    def my_grievances(self, visit):
        params = {"limit": PAGE_SIZE}
        if visit.request.args.get("cursor"):
            params["cursor"] = visit.request.args["cursor"][:200]
        answer = visit.try_api("GET", "/api/v1/me/grievances", "grievances", params=params)
        next_cursor = cursor_of(answer.body.get("next")) if answer is not None and answer.ok else None
        return visit.render("my_grievances.html", answer=answer, next_cursor=next_cursor)
