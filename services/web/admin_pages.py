"""Administration (a mixin of WebService), for the admin role only (anyone else gets the 403 page):
staff accounts, machine clients, webhook subscriptions, dead letters with replay, and the audit log.

Every form carries the CSRF token and an Idempotency-Key made when it was rendered (a double submit is one
change at the gateway). A secret (a machine client's, a webhook's) is shown once, on the answer to the form
that made it, and never kept by the console.
"""
from services.web import filing
from services.web.navigation import nav_link
from services.web.visit import PageForbidden, PageNotFound, page
from shared.authz import allowed
from shared.vocabulary import ACCOUNT_ROLES

nav_link("admin.nav", "/admin", "platform.administer")
ADMIN_PART = "administration"  # the part of the platform a failed call names (translations: part.<name>)
ACCOUNT_FIELDS = ("sub", "name", "mobile", "role", "department", "districts")
WEBHOOK_FIELDS = ("id", "url", "events", "description")
CLIENT_FIELDS = ("client_id", "scope", "departments", "districts")
AUDIT_KINDS = ("signed_in", "sign_in_failed", "otp_sent", "otp_refused", "account_created", "role_changed",
               "client_registered", "signing_key_rotated", "refresh_token_reused", "authorization_code_reused")


def require_admin(visit):
    if not allowed(visit.user or {}, "platform.administer"):
        raise PageForbidden()


def idempotency(form):
    return {"Idempotency-Key": form.get("idempotency_key", "")[:64] or filing.new_idempotency_key()}


def words(text):
    """A comma-separated list typed in a form (a district's name may hold a space: Cooch Behar)."""
    return [w.strip() for w in text.split(",") if w.strip()]


def account_body(values):
    body = {"sub": values["sub"], "name": values["name"], "mobile": values["mobile"], "role": values["role"],
            "districts": words(values["districts"])}
    if values["department"]:
        body["department"] = values["department"]
    return body


def webhook_body(values):
    body = {"id": values["id"], "url": values["url"]}
    if values["events"]:
        body["events"] = words(values["events"])
    if values["description"]:
        body["description"] = values["description"]
    return body


def errors_of(answer):
    """The API's refusal as {form field: [message]} (an error not about one field under `_form`)."""
    errors = {name.split(".")[0]: messages for name, messages in answer.field_errors().items()}
    if not errors:
        errors["_form"] = [(answer.body or {}).get("detail") or (answer.body or {}).get("title") or str(answer.status)]
    return errors


class AdminPages:
    @page("GET", "/admin", signed_in=True)
    def admin_home(self, visit):
        require_admin(visit)
        return visit.render("admin_home.html")

    # --- staff accounts ---

    @page("GET", "/admin/accounts", signed_in=True)
    def admin_accounts(self, visit):
        require_admin(visit)
        return self._accounts(visit, values={name: "" for name in ACCOUNT_FIELDS}, errors={})

    @page("POST", "/admin/accounts", signed_in=True)
    def admin_put_account(self, visit):
        require_admin(visit)
        form = visit.request.form
        values = {name: form.get(name, "").strip() for name in ACCOUNT_FIELDS}
        answer = visit.api("POST", "/api/v1/admin/accounts", ADMIN_PART, json=account_body(values),
                           headers=idempotency(form))
        if answer.ok:
            return visit.redirect("/admin/accounts?saved=1")
        return self._accounts(visit, values=values, errors=errors_of(answer), status=answer.status,
                              key=form.get("idempotency_key"))

    def _accounts(self, visit, values, errors, status=200, key=None):
        listed = visit.try_api("GET", "/api/v1/admin/accounts", ADMIN_PART)
        accounts = listed.body["accounts"] if listed is not None and listed.ok else None
        return visit.form_page("admin_accounts.html", status=status, accounts=accounts, values=values,
                               errors=errors, roles=ACCOUNT_ROLES, key=key or filing.new_idempotency_key(),
                               saved=visit.request.args.get("saved") == "1")

    # --- machine clients ---

    @page("GET", "/admin/clients", signed_in=True)
    def admin_clients(self, visit):
        require_admin(visit)
        return visit.form_page("admin_clients.html", values=dict.fromkeys(CLIENT_FIELDS, ""), errors={},
                               created=None, key=filing.new_idempotency_key())

    @page("POST", "/admin/clients", signed_in=True)
    def admin_register_client(self, visit):
        require_admin(visit)
        form = visit.request.form
        values = {name: form.get(name, "").strip() for name in CLIENT_FIELDS}
        body = {"client_id": values["client_id"], **({"scope": values["scope"]} if values["scope"] else {}),
                **{name: words(values[name]) for name in ("departments", "districts") if values[name]}}
        answer = visit.api("POST", "/api/v1/admin/clients", ADMIN_PART, json=body, headers=idempotency(form))
        if answer.ok:  # the secret, once: this answer is not cached and the console keeps no copy
            return visit.form_page("admin_clients.html", values=dict.fromkeys(CLIENT_FIELDS, ""), errors={},
                                   created=answer.body, key=filing.new_idempotency_key())
        return visit.form_page("admin_clients.html", status=answer.status, values=values, errors=errors_of(answer),
                               created=None, key=form.get("idempotency_key") or filing.new_idempotency_key())

    # --- webhook subscriptions ---

    @page("GET", "/admin/webhooks", signed_in=True)
    def admin_webhooks(self, visit):
        require_admin(visit)
        return self._webhooks(visit, values={name: "" for name in WEBHOOK_FIELDS}, errors={})

    @page("POST", "/admin/webhooks", signed_in=True)
    def admin_create_webhook(self, visit):
        require_admin(visit)
        form = visit.request.form
        values = {name: form.get(name, "").strip() for name in WEBHOOK_FIELDS}
        answer = visit.api("POST", "/api/v1/admin/webhooks", ADMIN_PART, json=webhook_body(values),
                           headers=idempotency(form))
        if answer.ok:
            return self._webhooks(visit, values={name: "" for name in WEBHOOK_FIELDS}, errors={}, secret=answer.body)
        return self._webhooks(visit, values=values, errors=errors_of(answer), status=answer.status,
                              key=form.get("idempotency_key"))

    @page("POST", "/admin/webhooks/<string:subscription_id>/<string:change>", signed_in=True)
    def admin_change_webhook(self, visit, subscription_id, change):
        require_admin(visit)
        path = f"/api/v1/admin/webhooks/{subscription_id}"
        headers = idempotency(visit.request.form)
        if change in ("pause", "resume"):
            answer = visit.api("PATCH", path, ADMIN_PART, json={"active": change == "resume"}, headers=headers)
        elif change == "rotate":
            answer = visit.api("POST", path + "/rotate-secret", ADMIN_PART, headers=headers)
        else:
            raise PageNotFound()
        if answer.status == 404:
            raise PageNotFound()
        if not answer.ok:
            return self._webhooks(visit, values={n: "" for n in WEBHOOK_FIELDS}, errors=errors_of(answer),
                                  status=answer.status)
        if change == "rotate":
            return self._webhooks(visit, values={n: "" for n in WEBHOOK_FIELDS}, errors={}, secret=answer.body)
        return visit.redirect("/admin/webhooks")

    def _webhooks(self, visit, values, errors, status=200, key=None, secret=None):
        listed = visit.try_api("GET", "/api/v1/admin/webhooks", ADMIN_PART)
        subscriptions = listed.body["subscriptions"] if listed is not None and listed.ok else None
        return visit.form_page("admin_webhooks.html", status=status, subscriptions=subscriptions, values=values,
                               errors=errors, secret=secret, key=key or filing.new_idempotency_key(),
                               new_key=filing.new_idempotency_key)

    # --- dead letters ---

    @page("GET", "/admin/dead-letters", signed_in=True)
    def admin_dead_letters(self, visit):
        require_admin(visit)
        listed = visit.api("GET", "/api/v1/admin/dead-letters", ADMIN_PART)
        if not listed.ok:
            raise PageForbidden() if listed.status == 403 else PageNotFound()
        replayed = visit.request.args.get("replayed", "")
        return visit.form_page("admin_dead_letters.html", dead_letters=listed.body["dead_letters"],
                               replayed=int(replayed) if replayed.isdigit() else None,
                               new_key=filing.new_idempotency_key)

    @page("POST", "/admin/dead-letters/replay", signed_in=True)
    def admin_replay_all(self, visit):
        require_admin(visit)
        return self._replayed(visit, visit.api("POST", "/api/v1/admin/dead-letters/replay", ADMIN_PART,
                                               headers=idempotency(visit.request.form)))

    @page("POST", "/admin/dead-letters/<string:delivery_id>/replay", signed_in=True)
    def admin_replay_one(self, visit, delivery_id):
        require_admin(visit)
        return self._replayed(visit, visit.api("POST", f"/api/v1/admin/dead-letters/{delivery_id}/replay", ADMIN_PART,
                                               headers=idempotency(visit.request.form)))

    def _replayed(self, visit, answer):
        if answer.status == 404:  # sent again already (another tab, another administrator): none by this one
            return visit.redirect("/admin/dead-letters?replayed=0")
        if not answer.ok:
            raise PageForbidden()
        return visit.redirect(f"/admin/dead-letters?replayed={len(answer.body['replayed'])}")

    # --- audit log ---

    @page("GET", "/admin/audit", signed_in=True)
    def admin_audit(self, visit):
        require_admin(visit)
        kind = visit.request.args.get("kind", "")
        params = {"kind": kind} if kind in AUDIT_KINDS else {}
        listed = visit.api("GET", "/api/v1/admin/audit", ADMIN_PART, params=params)
        if not listed.ok:
            raise PageForbidden()
        entries = listed.body["entries"]
        return visit.render("admin_audit.html", entries=entries, kinds=AUDIT_KINDS, kind=params.get("kind", ""),
                            details=[{k: v for k, v in e.items() if k not in ("at", "kind", "_id")} for e in entries])
