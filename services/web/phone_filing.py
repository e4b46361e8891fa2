"""The call centre's phone-assisted filing (a mixin of WebService): one screen, keyboard only. The caller's
words go in as they are said; "Look for similar cases" (the default button, Enter) re-draws the same screen
with open cases like it (the search API, the district's open cases) and everything typed kept; "File" files
once per Idempotency-Key made when the screen was drawn, then opens the new case's staff page. With
JavaScript on, static/phone-filing.js asks `/staff/file/similar` while the caller's words are typed."""
from services.web import filing
from services.web.gateway import PartUnavailable
from services.web.staff_pages import staff_only
from services.web.visit import page
from shared.vocabulary import KINDS, OPEN_STATUSES, Channel

SUGGESTIONS = 5
LANGUAGE_OF_CALLER = ("bn", "en", "hi")


def phone_values(form):
    values = filing.form_values(form)
    values["mobile"] = (form.get("mobile") or "").strip()[:20]
    values["caller_language"] = form.get("caller_language") if form.get("caller_language") in LANGUAGE_OF_CALLER \
        else "bn"
    return values


def phone_grievance(values):
    """The API's body for a grievance taken on the phone (the caller's own language kept with it)."""
    body = filing.grievance_body(values, values["caller_language"])
    body["channel"] = Channel.PHONE_ASSISTED
    if values["mobile"]:
        body["complainant"]["mobile"] = values["mobile"]
    if not values["name"]:
        body["complainant"]["name"] = "-"
    return body


def phone_errors(api_errors):
    refused = filing.field_errors({name: messages for name, messages in api_errors.items()
                                   if name != "complainant.mobile"})
    if "complainant.mobile" in api_errors:
        refused["mobile"] = True
    return refused


class PhoneFilingPages:
    @page("GET", "/staff/file", signed_in=True)
    def phone_filing_form(self, visit):
        role = staff_only(visit, "calls.file_for_citizens")
        return self._phone_form(visit, role, phone_values({}))

    @page("POST", "/staff/file", signed_in=True)
    def phone_file(self, visit):
        role = staff_only(visit, "calls.file_for_citizens")
        form = visit.request.form
        values = phone_values(form)
        key = form.get("idempotency_key", "")[:64] or filing.new_idempotency_key()
        if form.get("step") != "file":
            return self._phone_form(visit, role, values, key=key, similar=self._similar(visit, values))
        try:
            answer = visit.api("POST", "/api/v1/grievances", "filing", json=phone_grievance(values),
                               headers={"Idempotency-Key": key})
        except PartUnavailable as down:
            visit.unavailable.append(down.part)
            return self._phone_form(visit, role, values, key=key, status=503)
        if answer.status in (200, 201):
            return visit.redirect(f"/staff/cases/{answer.body['tracking_id']}")
        errors = phone_errors(answer.field_errors()) if answer.status in (400, 422) else {"_other": True}
        return self._phone_form(visit, role, values, key=key, errors=errors, status=answer.status)

    @page("POST", "/staff/file/similar", signed_in=True)
    def phone_filing_similar(self, visit):
        """The open cases like the one being told, alone: phone-filing.js asks while the tele-caller types."""
        staff_only(visit, "calls.file_for_citizens")
        return visit.render("_similar_cases.html", similar=self._similar(visit, phone_values(visit.request.form)))

    def _similar(self, visit, values):
        """Open cases like the one being told (None: the search is unavailable, the page says so)."""
        text = " ".join(part for part in (values["subject"], values["description"]) if part)[:200]
        if not text:
            return []
        params = {"q": text, "status": sorted(OPEN_STATUSES), "size": SUGGESTIONS}
        if values["district"]:
            params["district"] = [values["district"]]
        answer = visit.try_api("GET", "/api/v1/search", "search", params=params)
        return answer.body["results"] if answer is not None and answer.ok else None

    def _phone_form(self, visit, role, values, key=None, similar=(), errors=None, status=200):
        try:
            catalog = self.gateway.catalog()
        except PartUnavailable as down:
            visit.unavailable.append(down.part)
            catalog = {"categories": [], "departments": [], "districts": []}
        return visit.form_page("staff_file.html", status=status, staff_role=role, values=values,
                               errors=errors or {}, key=key or filing.new_idempotency_key(), kinds=KINDS,
                               groups=filing.category_groups(catalog, visit.language),
                               districts=filing.districts(catalog, visit.language), similar=similar,
                               caller_languages=LANGUAGE_OF_CALLER)
