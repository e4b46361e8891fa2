"""The staff's pages (a mixin of WebService): officers, the CMO cell's call centre and supervisors.

- /staff/queue: the person's open cases, most urgent first, the time left on each SLA clock, a page at a time.
- /staff/cases/<id>: the case, every action its status allows the person as a form (each carrying the case's
  ETag for If-Match and an Idempotency-Key made when the page was drawn: a double submit acts once, a stale
  copy shows "the case changed" with the current state; resolve, reject and notes take photos or PDFs as
  evidence), the case's files (opened by those who work it), similar cases with resolve-together,
  reassignment for supervisors and the cell.
- /staff/search: free text, facets, highlights, and the CSV of every match streamed through the console.
- /staff/outreach: the call centre's worklist (incomplete, awaiting the citizen, resolved awaiting a
  verification call), each with one-click call outcomes.
- /staff/office: the office's load per officer and its totals (routing's count of every open case, through
  GET /api/v1/offices/{department}/{district}/load), its overdue and escalated cases, and a reassignment
  form (supervisors: their office; the cell: any it picks).
"""
from urllib.parse import quote, urlencode

from werkzeug.wrappers import Response

from services.web import filing, staff_actions
from services.web.citizen_pages import ATTACHMENT_REF, TRACKING_ID, checked_answer, cursor_of, send_files
from services.web.gateway import PartUnavailable
from services.web.i18n import LOCALES
from services.web.navigation import nav_link
from services.web.visit import PageForbidden, PageNotFound, page, same_site_path
from shared import authz
from shared.actors import ALL_DISTRICTS
from shared.masking import WITHHELD
from shared.vocabulary import OPEN_STATUSES, SPECIAL_CLOSE_REASONS, Status

QUEUE_PAGE = 25
SEARCH_PAGE = 20
OFFICE_LIST = 20  # overdue and escalated cases listed on the office page (routing's load counts them all)
FACET_NAMES = ("status", "district", "category", "level")
OUTREACH = ((Status.INCOMPLETE, {"status": Status.INCOMPLETE}),
            (Status.INFO_REQUESTED, {"status": Status.INFO_REQUESTED}),
            ("verification", {"status": Status.RESOLVED}))  # the worklists: (words key, search filter)


STAFF = "queue.read"  # the shared.authz rule of every staff page; some ask a narrower one

nav_link("staff.nav.queue", "/staff/queue", STAFF)
nav_link("staff.nav.search", "/staff/search", STAFF)
nav_link("staff.nav.file", "/staff/file", "calls.file_for_citizens")
nav_link("staff.nav.outreach", "/staff/outreach", "office.oversee")
nav_link("staff.nav.office", "/staff/office", "office.oversee")


def staff_only(visit, rule=STAFF):
    """The person's role (from their verified sign-in) when `rule` grants it this page, else a 403 page."""
    user = visit.user or {}
    if not (authz.allowed(user, STAFF) and authz.allowed(user, rule)):
        raise PageForbidden()
    return user["role"]


def checked_id(tracking_id):
    if not TRACKING_ID.match(tracking_id):
        raise PageNotFound()
    return tracking_id


class StaffPages:
    # --- the queue ---

    @page("GET", "/staff/queue", signed_in=True)
    def staff_queue(self, visit):
        role = staff_only(visit)
        params = {"limit": QUEUE_PAGE}
        if visit.request.args.get("cursor"):
            params["cursor"] = visit.request.args["cursor"][:200]
        answer = visit.api("GET", "/api/v1/officer/queue", "queue", params=params)
        queue = answer.body if answer.ok else {"items": [], "count": 0, "next": None}
        for item in queue["items"]:
            item["left"] = staff_actions.time_left(item.get("sla_seconds_left"), visit.language,
                                                   LOCALES[visit.language])
        return visit.render("staff_queue.html", staff_role=role, queue=queue, next_cursor=cursor_of(queue.get("next")),
                            refused=not answer.ok)

    # --- one case ---

    @page("GET", "/staff/cases/<string:tracking_id>", signed_in=True)
    def staff_case(self, visit, tracking_id):
        staff_only(visit)
        return self._staff_case(visit, checked_id(tracking_id))

    @page("POST", "/staff/cases/<string:tracking_id>/actions", signed_in=True)
    def staff_act(self, visit, tracking_id):
        staff_only(visit)
        tracking_id = checked_id(tracking_id)
        form = visit.request.form
        action = form.get("action", "")
        case = {}
        if action == "edit_on_behalf":  # the complainant is sent whole: the case's name and language with it
            case = checked_answer(visit.api("GET", f"/api/v1/grievances/{tracking_id}", "case")).body
        key = form.get("idempotency_key", "")[:56] or filing.new_idempotency_key()
        headers = {"Idempotency-Key": key}
        if form.get("etag"):
            headers["If-Match"] = form["etag"][:40]
        files = [f for f in visit.request.files.getlist("files") if f.filename]
        purpose = staff_actions.attachment_purpose(action, form)
        if files and purpose:  # the evidence first: a refused file leaves the action undone, the text kept
            sent = send_files(visit, tracking_id, purpose, files, {**headers, "Idempotency-Key": key + "-files"})
            if sent.status == 412:
                return self._staff_case(visit, tracking_id, status=412, notice="changed")
            if not sent.ok:
                return self._staff_case(visit, tracking_id, status=sent.status, failed_action=action, form=form,
                                        errors={"files": [(sent.body or {}).get("detail", "")]})
            if "If-Match" in headers:  # the action goes with the copy the files made
                headers["If-Match"] = etag_of(sent)
        answer = checked_answer(visit.api("POST", f"/api/v1/grievances/{tracking_id}/actions", "case",
                                          json=staff_actions.action_body(action, form, case), headers=headers))
        if answer.ok:
            return visit.redirect(same_site_path(form.get("next"), f"/staff/cases/{tracking_id}"))
        if answer.status == 412:
            return self._staff_case(visit, tracking_id, status=412, notice="changed")
        details = (answer.body or {}).get("details") if isinstance(answer.body, dict) else None
        if answer.status == 409 and isinstance(details, dict) and "allowed" in details:  # the life cycle's refusal
            return self._staff_case(visit, tracking_id, status=409, notice="not_allowed", allowed=details["allowed"])
        return self._staff_case(visit, tracking_id, status=answer.status, failed_action=action, form=form,
                                errors=staff_actions.field_errors(answer.field_errors()) or {"_other": []})

    @page("GET", "/staff/cases/<string:tracking_id>/attachments/<string:ref>", signed_in=True)
    def staff_attachment(self, visit, tracking_id, ref):
        """One of the case's files: a redirect to the short-lived link the gateway gives the officer working the
        case and the CMO cell; other staff see that the document exists (the gateway's 403), not the document."""
        staff_only(visit)
        tracking_id = checked_id(tracking_id)
        if not ATTACHMENT_REF.match(ref):
            raise PageNotFound()
        link = checked_answer(visit.api("GET", f"/api/v1/grievances/{tracking_id}/attachments/{ref}", "case"))
        if link.status == 403:
            raise PageForbidden()
        if not link.ok:
            raise PageNotFound()
        return visit.finish_redirect_to(link.body["url"])

    @page("POST", "/staff/cases/<string:tracking_id>/assignment", signed_in=True)
    def staff_reassign(self, visit, tracking_id):
        staff_only(visit, "office.oversee")
        tracking_id = checked_id(tracking_id)
        form = visit.request.form
        body = {"officer_id": form.get("officer_id", "").strip(), "reason": form.get("reason", "").strip()}
        answer = checked_answer(visit.api(
            "POST", f"/api/v1/grievances/{tracking_id}/assignment", "assignment", json=body,
            headers={"Idempotency-Key": form.get("idempotency_key", "")[:64] or filing.new_idempotency_key()}))
        if answer.ok:
            return visit.redirect(f"/staff/cases/{tracking_id}")
        errors = staff_actions.field_errors(answer.field_errors()) or {"_other": [(answer.body or {}).get("detail", "")]}
        return self._staff_case(visit, tracking_id, status=answer.status, failed_action="assignment", form=form,
                                errors=errors)

    @page("POST", "/staff/resolve-together", signed_in=True)
    def staff_resolve_together(self, visit):
        staff_only(visit)
        form = visit.request.form
        tracking_ids = [checked_id(t) for t in form.getlist("tracking_ids")][:100]
        back = checked_id(form.get("from", ""))
        answer = visit.api("POST", "/api/v1/grievances/resolve-together", "case",
                           json={"tracking_ids": [back] + [t for t in tracking_ids if t != back],
                                 "resolution": form.get("resolution", "").strip()},
                           headers={"Idempotency-Key": form.get("idempotency_key", "")[:64]
                                    or filing.new_idempotency_key()})
        if answer.ok:
            left = [o["tracking_id"] for o in answer.body.get("outcomes", []) if not o.get("resolved")]
            if not left:
                return visit.redirect(f"/staff/cases/{back}")
            return self._staff_case(visit, back, notice="together_partial", allowed=left)
        return self._staff_case(visit, back, status=answer.status, failed_action="together", form=form,
                                errors=staff_actions.field_errors(answer.field_errors()) or {"_other": []})

    def _staff_case(self, visit, tracking_id, status=200, notice=None, allowed=None, failed_action=None, form=None,
                    errors=None):
        answer = checked_answer(visit.api("GET", f"/api/v1/grievances/{tracking_id}", "case"))
        if not answer.ok:
            raise PageNotFound()
        case = answer.body
        try:
            catalog = self.gateway.catalog()
        except PartUnavailable as down:
            visit.unavailable.append(down.part)
            catalog = {"categories": [], "departments": [], "districts": []}
        similar = visit.try_api("GET", f"/api/v1/grievances/{tracking_id}/similar", "similar")
        role = staff_only(visit)
        return visit.form_page(
            "staff_case.html", status=status, staff_role=role, case=case, etag=etag_of(answer),
            actions=staff_actions.actions_for(case), may_reassign=authz.allowed(visit.user or {}, "assignments.reassign"),
            names={e["code"]: filing.name_in(e["names"], visit.language)
                   for kind in ("categories", "departments", "districts") for e in catalog[kind]},
            departments=filing.districts({"districts": catalog["departments"]}, visit.language),
            districts=filing.districts(catalog, visit.language),
            similar=(similar.body or {}).get("similar", []) if similar is not None and similar.ok else [],
            notice=notice, allowed=allowed or [], failed_action=failed_action, form=form or {}, errors=errors or {},
            key=filing.new_idempotency_key, outcomes=staff_actions.CONTACT_OUTCOMES,  # one key per form
            attaching=staff_actions.ATTACHING, withheld=WITHHELD,  # a file's name as other staff see it
            consents=staff_actions.CONSENTS, rejection_reasons=staff_actions.REJECTION_REASONS,
            special_close_reasons=[str(reason) for reason in SPECIAL_CLOSE_REASONS])  # plain codes: an enum has .name

    # --- search ---

    @page("GET", "/staff/search", signed_in=True)
    def staff_search(self, visit):
        role = staff_only(visit)
        params = search_params(visit.request.args)
        answer = visit.try_api("GET", "/api/v1/search", "search", params={**params, "size": SEARCH_PAGE})
        found = answer.body if answer is not None and answer.ok else {"total": 0, "results": [], "facets": {}}
        for case in found["results"]:
            highlight = case.get("highlight") or {}
            case["marked"] = {name: staff_actions.marked(highlight.get(name)) for name in ("subject", "description")}
        query_string = urlencode({name: value for name, value in params.items() if name != "after"}, doseq=True)
        return visit.render("staff_search.html", staff_role=role, found=found, params=params, facet_names=FACET_NAMES,
                            query_string=query_string, after=found.get("next"),
                            refused=answer is not None and not answer.ok)

    @page("GET", "/staff/search.csv", signed_in=True)
    def staff_search_csv(self, visit):
        """The API's CSV of every match, streamed through the console (never buffered whole)."""
        staff_only(visit)
        params = {**search_params(visit.request.args), "format": "csv"}
        answer = visit.gateway.stream("GET", "/api/v1/search", "search", token=visit.access_token(), params=params)
        if answer.status_code != 200:
            answer.close()
            return visit.error(403 if answer.status_code in (401, 403) else 404)
        return Response(answer.iter_content(chunk_size=16384), status=200, mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="grievances.csv"',
                                 "Cache-Control": "no-store"})

    # --- the call centre ---

    @page("GET", "/staff/outreach", signed_in=True)
    def staff_outreach(self, visit):
        role = staff_only(visit, "office.oversee")
        lists = []
        for name, filters in OUTREACH:
            answer = visit.try_api("GET", "/api/v1/search", "search", params={**filters, "size": SEARCH_PAGE,
                                                                              "sort": "oldest"})
            lists.append({"name": name, "cases": answer.body["results"] if answer is not None and answer.ok else None})
        return visit.form_page("staff_outreach.html", staff_role=role, lists=lists, outcomes=staff_actions.CONTACT_OUTCOMES,
                               key=filing.new_idempotency_key)

    # --- the supervisor's office ---

    @page("GET", "/staff/office", signed_in=True)
    def staff_office(self, visit):
        return self._office(visit)

    @page("POST", "/staff/office/reassign", signed_in=True)
    def staff_office_reassign(self, visit):
        """Reassignment from the office page: a case of the office (by its tracking ID) to another officer."""
        staff_only(visit, "office.oversee")
        form = visit.request.form
        tracking_id = form.get("tracking_id", "").strip()
        if not TRACKING_ID.match(tracking_id):
            return self._office(visit, status=400, form=form, errors={"tracking_id": []})
        body = {"officer_id": form.get("officer_id", "").strip(), "reason": form.get("reason", "").strip()}
        answer = visit.api("POST", f"/api/v1/grievances/{tracking_id}/assignment", "assignment", json=body,
                           headers={"Idempotency-Key": form.get("idempotency_key", "")[:64]
                                    or filing.new_idempotency_key()})
        if answer.ok:
            shown = {name: visit.request.args[name][:80] for name in ("department", "district") if visit.request.args.get(name)}
            return visit.redirect(f"/staff/office?{urlencode({**shown, 'reassigned': 1})}")
        if answer.status in (403, 404):  # not a case of this office: the same words either way
            return self._office(visit, status=answer.status, form=form, errors={"tracking_id": []})
        errors = staff_actions.field_errors(answer.field_errors()) or {"_other": [(answer.body or {}).get("detail", "")]}
        return self._office(visit, status=answer.status, form=form, errors=errors)

    def _office(self, visit, status=200, form=None, errors=None):
        role = staff_only(visit, "office.oversee")
        user = visit.user or {}
        try:
            catalog = self.gateway.catalog()
        except PartUnavailable as down:
            visit.unavailable.append(down.part)
            catalog = {"categories": [], "departments": [], "districts": []}
        department, district = office_of(user, visit.request.args)
        load, found = None, {"overdue": None, "escalated": None}
        if department and district:
            answer = visit.try_api("GET", f"/api/v1/offices/{quote(department, safe='')}/{quote(district, safe='')}/load",
                                   "load")
            if answer is not None and answer.status in (403, 404):
                raise PageForbidden() if answer.status == 403 else PageNotFound()
            load = answer.body if answer is not None and answer.ok else None
            office = {"status": sorted(OPEN_STATUSES), "department": department, "district": district,
                      "size": OFFICE_LIST, "sort": "sla"}
            for name, extra in (("overdue", {"breached": "true"}), ("escalated", {"level": [2, 3, 4]})):
                listed = visit.try_api("GET", "/api/v1/search", "search", params={**office, **extra})
                found[name] = listed.body if listed is not None and listed.ok else None
        return visit.form_page(
            "staff_office.html", status=status, staff_role=role, department=department, district=district,
            choose_department=authz.allowed(user, "office.read_any_load"),
            choose_district=authz.allowed(user, "office.read_any_load") or len(user.get("districts") or []) != 1
            or ALL_DISTRICTS in (user.get("districts") or []),
            departments=filing.districts({"districts": catalog["departments"]}, visit.language),
            districts=[d for d in filing.districts(catalog, visit.language) if may_choose(user, d["code"])],
            load=load, found=found, form=form or {}, errors=errors or {}, key=filing.new_idempotency_key(),
            reassigned=visit.request.args.get("reassigned") == "1")


def office_of(user, args):
    """(department, district) of the office the page shows: a supervisor's own (a district of theirs they
    pick when they have several), any the CMO cell picks; None for what is not chosen yet."""
    if authz.allowed(user, "office.read_any_load"):
        return (args.get("department") or "")[:80] or None, (args.get("district") or "")[:80] or None
    districts = user.get("districts") or []
    picked = (args.get("district") or "")[:80]
    if picked and may_choose(user, picked):
        return user.get("department"), picked
    return user.get("department"), districts[0] if len(districts) == 1 and districts[0] != ALL_DISTRICTS else None


def may_choose(user, district):
    districts = user.get("districts") or []
    return authz.allowed(user, "office.read_any_load") or ALL_DISTRICTS in districts or district in districts


def etag_of(answer):
    """The case's ETag (header names compared without case), for the forms' If-Match."""
    return next((value for name, value in answer.headers.items() if name.lower() == "etag"), "")


def search_params(args):
    """The search form's query, only the API's own parameters, each value bounded."""
    params = {}
    if args.get("q"):
        params["q"] = args["q"][:200]
    for name in FACET_NAMES + ("department",):
        values = [v[:60] for v in args.getlist(name) if v][:20]
        if values:
            params[name] = values
    if args.get("overdue") == "true":
        params["overdue"] = "true"
    if args.get("after"):
        params["after"] = args["after"][:400]
    return params
