"""The officer directory in the console (a mixin of WebService), for administrators only (anyone else gets
the 403 page): the members as a table filtered by department and district, a form to add or change one,
and each member's page with the status forms (on leave with a delegate, back to active, transferred,
retired). Every call goes to the gateway's admin API (`/api/v1/admin/staff`); the forms' words and the
body each form sends are directory_forms'.

Every form carries the CSRF token and an Idempotency-Key made when it was rendered, so a double submit is
one change at the gateway; a refused form keeps its key and the person's input.
"""
from urllib.parse import quote

from services.web import directory_forms as forms
from services.web import filing
from services.web.admin_pages import ADMIN_PART, idempotency, require_admin
from services.web.gateway import PartUnavailable
from services.web.i18n import NAMES, Translator
from services.web.visit import PageForbidden, PageNotFound, page
from shared.masking import mask_email, mask_mobile
from shared.vocabulary import LANGUAGES, STATE_OFFICE, StaffState

STAFF_API = "/api/v1/admin/staff"


def catalogue_choices(gateway, visit):
    """The catalogue's departments and districts as [{code, name}] in the person's language (the district
    list ends with the state office); empty lists, noted as unavailable, when the catalogue is down (the
    form then takes codes as text)."""
    try:
        catalog = gateway.catalog()
    except PartUnavailable as down:
        visit.unavailable.append(down.part)
        return [], []
    departments = [{"code": d["code"], "name": filing.name_in(d["names"], visit.language)}
                   for d in catalog["departments"]]
    districts = filing.districts(catalog, visit.language)
    state_office = {"code": STATE_OFFICE, "name": Translator(visit.language)("admin.staff.state_office")}
    return departments, districts + [state_office]


def member_path(sub):
    return f"{STAFF_API}/{quote(sub, safe='')}"


class DirectoryPages:
    @page("GET", "/admin/staff", signed_in=True)
    def admin_staff(self, visit):
        require_admin(visit)
        values = dict.fromkeys(forms.MEMBER_FIELDS, "")
        change = visit.request.args.get("change", "")
        if change:  # "change details" on a member's page: the form filled with the member as they are
            answer = visit.api("GET", member_path(change), ADMIN_PART)
            if answer.status in (400, 404):
                raise PageNotFound()
            if answer.ok:
                values = forms.member_values(answer.body)
        return self._staff(visit, values=values, errors={})

    @page("POST", "/admin/staff", signed_in=True)
    def admin_put_staff(self, visit):
        require_admin(visit)
        form = visit.request.form
        values = forms.form_values(form, forms.MEMBER_FIELDS)
        answer = visit.api("POST", STAFF_API, ADMIN_PART, json=forms.member_body(values), headers=idempotency(form))
        if answer.ok:
            return visit.redirect("/admin/staff?saved=1")
        return self._staff(visit, values=values, errors=refusal(answer, forms.MEMBER_API_FIELDS), status=answer.status,
                           key=form.get("idempotency_key"))

    def _staff(self, visit, values, errors, status=200, key=None):
        departments, districts = catalogue_choices(self.gateway, visit)
        known = {"department": {d["code"] for d in departments}, "district": {d["code"] for d in districts}}
        shown = {name: visit.request.args.get(name, "") for name in ("department", "district")}
        query = {name: code for name, code in shown.items() if code in known[name]}
        listed = visit.try_api("GET", STAFF_API, ADMIN_PART, params=query)
        names = {entry["code"]: entry["name"] for entry in departments + districts}
        languages = [{"code": code, "name": NAMES[code], "lang": code} for code in LANGUAGES]
        return visit.form_page("admin_staff.html", status=status, members=members_of(listed), values=values,
                               errors=errors, key=key or filing.new_idempotency_key(), roles=choices_of_roles(visit),
                               departments=departments, districts=districts, levels=levels_of(visit),
                               languages_offered=languages,
                               shown=query, names=names, forms=forms, saved=visit.request.args.get("saved") == "1")

    # --- one member ---

    @page("GET", "/admin/staff/<string:sub>", signed_in=True)
    def admin_staff_member(self, visit, sub):
        require_admin(visit)
        return self._member(visit, sub, state=None, values={}, errors={})

    @page("POST", "/admin/staff/<string:sub>/status", signed_in=True)
    def admin_staff_status(self, visit, sub):
        require_admin(visit)
        form = visit.request.form
        state = form.get("state", "")
        if state not in forms.STATUS_FORMS:
            raise PageNotFound()
        values = forms.form_values(form, forms.STATUS_FORMS[state])
        if state == StaffState.RETIRED and values["confirm"] != "yes":  # final: said twice, never by slip
            return self._member(visit, sub, state=state, values=values, errors={"confirm": [""]}, status=400,
                                key=form.get("idempotency_key"))
        answer = visit.api("POST", member_path(sub) + "/status", ADMIN_PART, json=forms.status_body(state, values),
                           headers=idempotency(form))
        if answer.status == 404:
            raise PageNotFound()
        if answer.ok:
            return visit.redirect(f"/admin/staff/{quote(sub, safe='')}?saved=1")
        return self._member(visit, sub, state=state, values=values, errors=refusal(answer, forms.STATUS_API_FIELDS),
                            status=answer.status, key=form.get("idempotency_key"))

    def _member(self, visit, sub, state, values, errors, status=200, key=None):
        """The member's page; `state` names the status form that was refused (its values, errors and key kept)."""
        answer = visit.api("GET", member_path(sub), ADMIN_PART)
        if answer.status in (400, 404):
            raise PageNotFound()
        if answer.status == 403:
            raise PageForbidden()
        if not answer.ok:
            raise PartUnavailable(ADMIN_PART)
        member = answer.body
        departments, districts = catalogue_choices(self.gateway, visit)
        office = member.get("office") or {}
        colleagues = visit.try_api("GET", STAFF_API, ADMIN_PART, params={"department": office.get("department"),
                                                                         "district": office.get("district")})
        keys = {name: filing.new_idempotency_key() for name in forms.STATUS_FORMS}
        if state:
            keys[state] = key or keys[state]
        filled = {name: "" for fields in forms.STATUS_FORMS.values() for name in fields}
        filled.update(values)
        return visit.form_page("admin_staff_member.html", status=status, member=member, refused=state,
                               values=filled, errors=errors, keys=keys,
                               delegates=[{"code": m["sub"], "name": f'{m["name"]} ({m["sub"]})'}
                                          for m in forms.delegates(members_of(colleagues) or [], member)],
                               masked_mobile=mask_mobile(member["contacts"].get("mobile")),
                               masked_email=mask_email(member["contacts"].get("email")),
                               departments=departments, districts=districts, levels=levels_of(visit),
                               names={entry["code"]: entry["name"] for entry in departments + districts},
                               forms=forms, saved=visit.request.args.get("saved") == "1")


def refusal(answer, fields):
    """The API's refusal as {form field: [the API's words]}; a refusal naming no field under `_form`."""
    errors = forms.form_errors(answer.field_errors(), fields)
    if not errors:
        body = answer.body if isinstance(answer.body, dict) else {}
        errors[forms.FORM] = [body.get("detail") or body.get("title") or str(answer.status)]
    return errors


def members_of(listed):
    return listed.body["staff"] if listed is not None and listed.ok else None


def choices_of_roles(visit):
    t = Translator(visit.language)
    return [{"code": role, "name": t(f"admin.role.{role}")} for role in forms.ROLES]


def levels_of(visit):
    t = Translator(visit.language)
    return [{"code": level, "name": t(f"admin.staff.level.{level}")} for level in forms.LEVELS]
