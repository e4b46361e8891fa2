"""The citizen's pages (a mixin of WebService): they work with JavaScript off.

- /file: a two-step form (step 1 a GET form: kind, category with a text filter, district; step 2 the rest,
  with the district's blocks and municipalities) posted once per Idempotency-Key made when it was rendered;
  a refusal re-renders it with each field's error in the person's language and everything typed kept.
  Before filing, the open cases like it nearby are offered: the form comes back with them above it, each
  with a "me too" button (/grievances/<id>/support), and its own button now files it anyway.
- /my/grievances: the person's cases, newest first, a page at a time.
- /grievances/<id>: the timeline in plain words, what happens next and by when, rating and appeal.
"""
import re
from urllib.parse import parse_qs, urlsplit

from services.web import filing
from services.web.gateway import PartUnavailable
from services.web.navigation import nav_link
from services.web.visit import PageForbidden, PageNotFound, page
from shared.vocabulary import KINDS, Status

PAGE_SIZE = 20
ATTACHMENT_REF = re.compile(r"^[0-9a-f]{32}$")
TRACKING_ID = re.compile(r"^[A-Za-z0-9-]{1,40}$")
RATEABLE = (Status.RESOLVED, Status.CLOSED)
CITIZEN = "cases.act_as_citizen"  # the shared.authz rule of the citizen's own pages

nav_link("nav.file", "/file", CITIZEN)
nav_link("nav.mine", "/my/grievances", CITIZEN)


def cursor_of(next_link):
    """The gateway's `next` link's cursor (the console's own links carry only the cursor)."""
    if not next_link:
        return None
    return (parse_qs(urlsplit(next_link).query).get("cursor") or [None])[0]


def checked_answer(answer):
    """A case call's answer, or the page for what it says (404, 403)."""
    if answer.status == 404:
        raise PageNotFound()
    if answer.status == 403:
        raise PageForbidden()
    return answer


EMPTY_CATALOG = {"categories": [], "departments": [], "districts": []}


def catalog_or_empty(gateway, visit):
    """The catalogue, or (noted as unavailable) none: names then show as codes and the page still renders."""
    try:
        return gateway.catalog()
    except PartUnavailable as down:
        visit.unavailable.append(down.part)
        return EMPTY_CATALOG


def next_deadline(case):
    """The deadline of the latest assignment the complainant may see (None: no clock runs)."""
    deadlines = [e.get("deadline") for e in case.get("timeline", []) if e.get("deadline")]
    return case.get("sla_deadline") or (deadlines[-1] if deadlines else None)



def send_files(visit, tracking_id, purpose, files, headers):
    """The files a form carried, to the gateway's attachments route in one multipart request (it checks their
    type, size and number and strips photos' EXIF): the API's answer."""
    return checked_answer(visit.api(
        "POST", f"/api/v1/grievances/{tracking_id}/attachments", "case", data={"purpose": purpose},
        files=[("files", (f.filename, f.stream, f.mimetype or "application/octet-stream")) for f in files],
        headers=headers))

class CitizenPages:
    # --- filing ---

    @page("GET", "/file", rule=CITIZEN)
    def filing_form(self, visit):
        args = visit.request.args
        values = filing.form_values(args)
        catalog = self.gateway.catalog()
        places = filing.places_of(catalog, values["district"], visit.language) if values["district"] else None
        if args.get("go") == "next" and places is not None:
            if not values["name"]:
                values["name"] = (visit.user or {}).get("name") or ""
            values["sms_updates"] = "yes"  # the platform's default; unticking withdraws it
            return self._details_form(visit, catalog, values, places, errors={})
        return visit.form_page("file_start.html", values=values, query=args.get("q", "")[:filing.MAX_FILTER],
                               groups=filing.category_groups(catalog, visit.language, args.get("q", "")),
                               districts=filing.districts(catalog, visit.language), kinds=KINDS,
                               missing_district=args.get("go") == "next")

    @page("POST", "/file", rule=CITIZEN)
    def file(self, visit):
        form = visit.request.form
        values = filing.form_values(form)
        key = form.get("idempotency_key", "")[:64] or filing.new_idempotency_key()
        catalog = catalog_or_empty(self.gateway, visit)  # a form posted while the gateway is down keeps its input
        places = filing.places_of(catalog, values["district"], visit.language) or {"blocks": [], "municipalities": []}
        if form.get("lookalikes_seen") != "yes":
            offered = self._lookalikes(visit, values)
            if offered:
                return self._details_form(visit, catalog, values, places, errors={}, key=key, lookalikes=offered)
        try:
            answer = visit.api("POST", "/api/v1/grievances", "filing", json=filing.grievance_body(values, visit.language),
                               headers={"Idempotency-Key": key})
        except PartUnavailable as down:
            visit.unavailable.append(down.part)  # nothing typed is lost: the same form, the same key
            return self._details_form(visit, catalog, values, places, errors={}, key=key, status=503)
        if answer.status in (200, 201):
            self._sms_choice(visit, values["sms_updates"] == "yes")
            return visit.redirect(f"/grievances/{answer.body['tracking_id']}")
        errors = filing.field_errors(answer.field_errors()) if answer.status in (400, 422) else {}
        return self._details_form(visit, catalog, values, places, errors=errors, status=answer.status,
                                  refused=answer.status not in (400, 422))

    @staticmethod
    def _lookalikes(visit, values):
        """The open cases like this one nearby ([] when there are none, or search cannot answer: filing
        never waits for it)."""
        body = filing.lookalikes_body(values)
        if body is None:
            return []
        answer = visit.try_api("POST", "/api/v1/grievances/lookalikes", "similar", json=body)
        return answer.body["lookalikes"] if answer is not None and answer.ok else []

    @page("POST", "/grievances/<string:tracking_id>/support", rule=CITIZEN)
    def support(self, visit, tracking_id):
        """"Me too": the citizen joins an open case offered before filing (another person's case: the page
        that follows shows only what the offer showed)."""
        if not TRACKING_ID.match(tracking_id):
            raise PageNotFound()
        form = visit.request.form
        key = form.get("idempotency_key", "")[:64] or filing.new_idempotency_key()
        answer = checked_answer(visit.api("POST", f"/api/v1/grievances/{tracking_id}/support", "case", json={},
                                          headers={"Idempotency-Key": key}))
        return visit.render("supported.html", status=200 if answer.ok else answer.status, answer=answer,
                            tracking_id=tracking_id, subject=form.get("subject", "")[:200])

    @staticmethod
    def _sms_choice(visit, wanted):
        """The form's contact consent (SMS updates on or off) into the citizen's notification preferences;
        the grievance is filed whatever happens here."""
        current = visit.try_api("GET", "/api/v1/notifications/preferences", "preferences")
        if current is None or not current.ok:
            return
        chosen = filing.sms_choice(current.body, wanted, visit.language)
        if chosen is not None:
            visit.try_api("PUT", "/api/v1/notifications/preferences", "preferences", json=chosen)

    def _details_form(self, visit, catalog, values, places, errors, key=None, status=200, refused=False,
                      lookalikes=()):
        category_names = {c["code"]: filing.name_in(c["names"], visit.language) for c in catalog["categories"]}
        district_names = {d["code"]: d["name"] for d in filing.districts(catalog, visit.language)}
        return visit.form_page("file_details.html", status=status, values=values, places=places, errors=errors,
                               key=key or filing.new_idempotency_key(), refused=refused,
                               lookalikes=lookalikes, new_key=filing.new_idempotency_key, names=category_names,
                               place_names={p["code"]: p["name"] for kind in places.values() for p in kind},
                               category_name=category_names.get(values["category"]),
                               district_name=district_names.get(values["district"], values["district"]))

    # --- my grievances ---

    @page("GET", "/my/grievances", rule=CITIZEN)
    def my_grievances(self, visit):
        params = {"limit": PAGE_SIZE}
        if visit.request.args.get("cursor"):
            params["cursor"] = visit.request.args["cursor"][:200]
        answer = visit.try_api("GET", "/api/v1/me/grievances", "grievances", params=params)
        next_cursor = cursor_of(answer.body.get("next")) if answer is not None and answer.ok else None
        return visit.render("my_grievances.html", answer=answer, next_cursor=next_cursor)

    # --- one case ---

    @page("GET", "/grievances/<string:tracking_id>", rule=CITIZEN)
    def case_page(self, visit, tracking_id):
        return self._case(visit, tracking_id)

    @page("POST", "/grievances/<string:tracking_id>/feedback", rule=CITIZEN)
    def feedback(self, visit, tracking_id):
        if not TRACKING_ID.match(tracking_id):
            raise PageNotFound()
        form = visit.request.form
        rating = form.get("rating", "")
        if rating not in {"1", "2", "3", "4", "5"}:
            return self._case(visit, tracking_id, status=400, feedback_errors={"rating": True}, form=form)
        body = {"rating": int(rating), "comment": form.get("comment", "").strip() or None,
                "appeal": form.get("appeal") == "yes"}
        answer = checked_answer(visit.api("POST", f"/api/v1/grievances/{tracking_id}/feedback", "case", json=body,
                                          headers={"Idempotency-Key": form.get("idempotency_key", "")[:64]
                                                   or filing.new_idempotency_key()}))
        if not answer.ok:
            errors = {name.split(".")[0]: True for name in answer.field_errors()} or {"_other": True}
            return self._case(visit, tracking_id, status=answer.status, feedback_errors=errors, form=form)
        return visit.redirect(f"/grievances/{tracking_id}")

    @page("POST", "/grievances/<string:tracking_id>/answer", rule=CITIZEN)
    def answer(self, visit, tracking_id):
        """The citizen answers an officer's request for information (the link in the info_requested SMS)
        through the life cycle's provide_info, with the photos or documents chosen (the gateway's attachments
        route, purpose request_info; it checks their type, size and number and strips photos' EXIF)."""
        if not TRACKING_ID.match(tracking_id):
            raise PageNotFound()
        form = visit.request.form
        text = form.get("text", "").strip()
        if not text:
            return self._case(visit, tracking_id, status=400, answer_errors={"text": True}, form=form)
        files = [f for f in visit.request.files.getlist("files") if f.filename]
        if files:  # the files first: a refused one leaves the answer unsent, with the text kept
            key = form.get("idempotency_key", "")[:56] or filing.new_idempotency_key()
            sent = send_files(visit, tracking_id, "request_info", files, {"Idempotency-Key": key + "-files"})
            if not sent.ok:
                return self._case(visit, tracking_id, status=sent.status, answer_errors={"files": True}, form=form)
        answer = checked_answer(visit.api("POST", f"/api/v1/grievances/{tracking_id}/actions", "case",
                                          json={"action": "provide_info", "text": text},
                                          headers={"Idempotency-Key": form.get("idempotency_key", "")[:64]
                                                   or filing.new_idempotency_key()}))
        if not answer.ok:
            errors = {name.split(".")[0]: True for name in answer.field_errors()} or {"_other": True}
            return self._case(visit, tracking_id, status=answer.status, answer_errors=errors, form=form)
        return visit.redirect(f"/grievances/{tracking_id}")

    @page("GET", "/grievances/<string:tracking_id>/attachments/<string:ref>", rule=CITIZEN)
    def attachment(self, visit, tracking_id, ref):
        """One of the case's files: a redirect to the short-lived link the gateway gives its complainant."""
        if not TRACKING_ID.match(tracking_id) or not ATTACHMENT_REF.match(ref):
            raise PageNotFound()
        link = checked_answer(visit.api("GET", f"/api/v1/grievances/{tracking_id}/attachments/{ref}", "case"))
        if not link.ok:
            raise PageNotFound()
        return visit.finish_redirect_to(link.body["url"])

    def _case(self, visit, tracking_id, status=200, feedback_errors=None, form=None, answer_errors=None):
        if not TRACKING_ID.match(tracking_id):
            raise PageNotFound()
        case = checked_answer(visit.api("GET", f"/api/v1/grievances/{tracking_id}", "case")).body
        catalog = catalog_or_empty(self.gateway, visit)
        names = {entry["code"]: filing.name_in(entry["names"], visit.language)
                 for kind in ("categories", "departments", "districts") for entry in catalog[kind]}
        timeline = [e for e in case.get("timeline", []) if e.get("public", True)]
        asked = [e.get("question") for e in timeline if e.get("kind") == "request_info"]
        answerable = "provide_info" in (case.get("allowed_actions") or ())
        return visit.form_page("case.html", status=status, case=case, timeline=timeline, names=names,
                               deadline=next_deadline(case), rateable=case["status"] in RATEABLE,
                               question=asked[-1] if asked and answerable else None,
                               answer_errors=answer_errors or {},
                               feedback_errors=feedback_errors or {}, form=form or {},
                               key=filing.new_idempotency_key())
