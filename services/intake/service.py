"""Intake: owns the case of record for every grievance (filing, timeline, officer actions, feedback)."""
import json
import logging
import time
import uuid

from nameko.timer import timer

from services.intake import access, routing_decisions
from services.intake.domain import attachments as attaching
from services.intake.domain import grievance as domain
from services.intake.domain import idempotency, intake_rules, lifecycle, my_cases, status_words, tracking
from services.intake.domain.lifecycle import ROUTED, LifecycleError
from services.intake.schemas import (
    ACTION_SCHEMAS,
    AttachCheckSchema,
    AttachSchema,
    ClusterResolutionSchema,
    FeedbackSchema,
    GrievanceSchema,
    MyGrievancesSchema,
    SupportSchema,
)
from services.intake.storage import ConcurrentUpdate, DuplicateKeyError, GrievanceStorage, utcnow
from shared.authz import RULES, allowed, authorised, require
from shared.consumers import reliable_event_handler
from shared.contracts import event_data
from shared.errors import (
    EXPECTED,
    Conflict,
    Forbidden,
    NotFound,
    PlatformError,
    PreconditionFailed,
    RateLimited,
    Unprocessable,
    ValidationFailed,
    validated,
)
from shared.events import json_data, new_event
from shared.outbox import Outbox, RelaysOutbox
from shared.resilient_rpc import rpc
from shared.service_base import StoreBackedService
from shared.validators import IDEMPOTENCY_KEY_RULE
from shared.vocabulary import MAX_EXPORT_PAGE_SIZE, Channel

log = logging.getLogger(__name__)

MAX_WRITE_ATTEMPTS = 5
MAX_EXPORT_PAGE = MAX_EXPORT_PAGE_SIZE
CLAIM_POLL_SECONDS = 0.1
_grievance_schema = GrievanceSchema()
_feedback_schema = FeedbackSchema()
_support_schema = SupportSchema()
_cluster_schema = ClusterResolutionSchema()
_my_grievances_schema = MyGrievancesSchema()
_attach_schema = AttachSchema()
_attach_check_schema = AttachCheckSchema()



def checked_if_match(if_match):
    """The versions a caller's copy may have (the client's If-Match), or None."""
    if if_match is not None and not (isinstance(if_match, list) and all(type(v) is int for v in if_match)):
        raise ValidationFailed("invalid If-Match", {"If-Match": ["Must be a list of versions."]})
    return if_match

class IntakeService(RelaysOutbox, StoreBackedService):
    name = "intake"
    store = GrievanceStorage()
    outbox = Outbox("grievances")

    # --- citizens and officers (through the gateway) ---------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def file_grievance(self, payload, actor, idempotency_key=None):
        """File a grievance. With an `idempotency_key`, the same request sent again (a retry after a timeout
        or a 5xx) answers the first answer and files nothing more."""
        grievance = validated(_grievance_schema, payload)
        # a machine client's token: grievances:file, or open311 for what the gateway's Open311 endpoint files
        require(actor, "cases.file_open311" if grievance["channel"] == Channel.OPEN311 else "cases.file")
        override = grievance.pop("override_filing_limit")
        if override and (not allowed(actor, "cases.lift_filing_limit") or grievance["channel"] != Channel.PHONE_ASSISTED):
            raise Forbidden(RULES["cases.lift_filing_limit"].denied)
        if allowed(actor, "cases.act_as_citizen"):
            grievance["complainant"]["mobile"] = self._proven_mobile(grievance["complainant"].get("mobile"), actor)
        tracking_id = tracking.new_tracking_id(utcnow().year)
        if idempotency_key is None:
            return self._file(tracking_id, grievance, actor, override)
        if not idempotency.is_valid_key(idempotency_key):
            raise ValidationFailed("the Idempotency-Key is not valid", {"Idempotency-Key": [IDEMPOTENCY_KEY_RULE]})
        return self._file_once(idempotency.key_id(actor, idempotency_key), idempotency.fingerprint(payload),
                               tracking_id, grievance, actor, override)

    def _file_once(self, key, fingerprint, tracking_id, grievance, actor, override):
        """Claim the key (one unique insert naming the tracking ID), file, write the answer on the claim.
        A retry finds the answer, or the case a dead request filed, or takes over a claim whose request
        died before filing; a concurrent one waits for the answer, then gets 409."""
        owner = uuid.uuid4().hex
        waited_until = time.monotonic() + idempotency.WAIT_FOR_ANSWER_SECONDS
        while True:
            now = utcnow()
            claim = self.store.claim_idempotency_key(key, fingerprint, tracking_id, owner, now, idempotency.KEEP_FOR)
            if claim is None:
                continue  # released in between: claim again
            case = None
            if claim["fingerprint"] == fingerprint and claim.get("answer") is None and claim["owner"] != owner:
                case = self.store.get(claim["tracking_id"])
            verdict = idempotency.verdict(claim, owner, fingerprint,
                                          case is not None and case.get("idempotency_key") == key, now)
            if verdict == idempotency.MISMATCH:
                raise Unprocessable("this Idempotency-Key was sent before with a different request",
                                    {"Idempotency-Key": ["Already used with a different body."]})
            if verdict == idempotency.ANSWER:
                if claim.get("answer") is not None:
                    return claim["answer"]
                answer = _first_answer(case)  # its request died after filing, before answering
                self.store.answer_idempotency_key(key, answer)
                return answer
            if verdict == idempotency.TAKE_OVER and self.store.take_over_idempotency_key(key, claim["owner"],
                                                                                           owner, now):
                verdict = idempotency.FILE
            if verdict == idempotency.FILE:
                try:
                    answer = self._file(claim["tracking_id"], grievance, actor, override, {"key": key, "owner": owner})
                except PlatformError:
                    self.store.release_idempotency_key(key, owner)  # refused: nothing was filed
                    raise
                self.store.answer_idempotency_key(key, answer)
                return answer
            if time.monotonic() > waited_until:
                raise Conflict("a request with this Idempotency-Key is in progress; try again in a moment",
                               {"allowed": []})
            time.sleep(CLAIM_POLL_SECONDS)

    def _file(self, tracking_id, grievance, actor, override, idempotent=None):
        now = utcnow()
        mobile = grievance["complainant"].get("mobile")
        if not mobile:  # no repeat check or limit without a number: the cell calls to complete it
            case = self._insert_new_case(tracking_id, grievance, actor, now, repeat_key=None, idempotent=idempotent)
            return self._filed(case)

        repeat_key = intake_rules.duplicate_key(mobile, grievance["subject"], grievance["description"])
        earlier = self._claim_repeat(repeat_key, tracking_id)
        if earlier is not None:
            return earlier
        month_key = intake_rules.filing_month_key(mobile, now)
        limit = self.settings.filings_per_mobile_per_month
        claim = {"tracking_id": tracking_id}
        try:
            if override:
                self.store.count_filing(month_key)
            elif not self.store.reserve_filing(month_key, limit):
                raise RateLimited(f"this mobile number has filed {limit} grievances this month; "
                                  "call the cell to file more")
            try:
                case = self._insert_new_case(tracking_id, grievance, actor, now, repeat_key, claim, idempotent)
            except Exception:
                self.store.release_filing(month_key)  # nothing was filed: the month's slot goes back
                raise
        except Exception:
            self.store.release_repeat(repeat_key, claim["tracking_id"])  # nor is there a case to repeat
            raise
        return self._filed(case)

    @timer(interval=600)
    def forget_idempotency_keys(self):
        """Keys are kept 24 hours (FerretDB has no TTL indexes: a periodic purge)."""
        forgotten = self.store.forget_idempotency_keys(utcnow())
        if forgotten:
            log.info("idempotency keys forgotten", extra={"count": forgotten})

    @rpc(expected_exceptions=EXPECTED)
    def get_grievance(self, tracking_id, actor):
        return self._answer(self._visible_case(tracking_id, actor), actor)

    @rpc(expected_exceptions=EXPECTED)
    def my_grievances(self, params, actor):
        """A citizen's own cases, newest first, a page at a time, each with its status in words in
        `language` (else the language the case was filed in). `next`: the cursor of the next page."""
        actor = authorised(actor, "cases.act_as_citizen",
                           denied="this list is a citizen's own cases; staff use the queue or search")
        if not actor.get("mobile"):
            raise Forbidden("this list is a citizen's own cases; staff use the queue or search")
        params = validated(_my_grievances_schema, params)
        try:
            after = my_cases.decode_cursor(params["cursor"]) if params.get("cursor") else None
        except my_cases.BadCursor as error:
            raise ValidationFailed("the cursor is not valid", {"cursor": [str(error).capitalize() + "."]}) from None
        key = domain.complainant_key({"mobile": actor["mobile"]})
        items, last, more = [], None, False
        for entry in my_cases.newest_first(self.store.own_case_entries(key), after):
            case = self.store.get(entry["tracking_id"])
            if case is None or case.get("complainant_key") != key or not access.is_complainant(case, actor):
                continue  # a filing that died before its insert, or a tracking ID drawn again
            if len(items) == params["limit"]:
                more = True
                break
            language = params.get("language") or (case.get("complainant") or {}).get("language")
            items.append(my_cases.summary(access.view(case, actor), status_words.status_text(case["status"], language)))
            last = entry
        cursor = my_cases.encode_cursor(last["at"], last["tracking_id"]) if more else None
        return {"items": items, "next": cursor}

    @rpc(expected_exceptions=EXPECTED)
    def personal_data_reads(self, tracking_id, actor):
        """Who saw the complainant's contact details on this case (for the CMO cell)."""
        actor = authorised(actor, "cases.personal_data_reads")
        self._visible_case(tracking_id, actor)
        return [{**entry, "at": entry["at"].isoformat()} for entry in self.store.personal_data_reads(tracking_id)]

    @rpc(expected_exceptions=EXPECTED)
    def act(self, tracking_id, payload, actor, if_match=None):
        """An officer's or the complainant's action. `if_match`: the versions the caller's copy may have
        (the client's If-Match); another current version refuses the action with PreconditionFailed."""
        if_match = checked_if_match(if_match)
        action = payload.get("action") if isinstance(payload, dict) else None
        if not isinstance(action, str) or action not in ACTION_SCHEMAS:
            raise ValidationFailed("unknown action", {"action": [f"Must be one of: {', '.join(ACTION_SCHEMAS)}."]})
        params = validated(ACTION_SCHEMAS[action](), payload)

        def step(case, now):
            self._check_may_act(case, actor)
            return domain.apply_action(case, action, params, actor, now)

        return self._answer(self._write(tracking_id, actor, step, if_match=if_match), actor)

    # --- attachments (the files themselves are in the object store; the gateway stores them) ------------

    @rpc(expected_exceptions=EXPECTED)
    def may_attach(self, tracking_id, params, actor):
        """Whether this caller may attach `count` files for `purpose` now: asked before any file is stored."""
        params = validated(_attach_check_schema, params)
        case = self._visible_case(tracking_id, actor)
        self._check_attach(case, params["purpose"], params["count"], actor)
        return {"tracking_id": tracking_id, "purpose": params["purpose"]}

    @rpc(expected_exceptions=EXPECTED)
    def attach(self, tracking_id, payload, actor, if_match=None):
        """Record stored files on the case: one version-guarded write, so the per-case cap holds. `if_match`:
        as for `act` (the files go with an action the caller drew from that copy of the case)."""
        payload = validated(_attach_schema, payload)
        if_match = checked_if_match(if_match)

        def step(case, now):
            self._check_attach(case, payload["purpose"], len(payload["files"]), actor)
            return attaching.attach(case, payload["files"], payload["purpose"], actor, now,
                                    access.is_complainant(case, actor), self.settings.attachments_per_case)

        case = self._write(tracking_id, actor, step, if_match=if_match)
        refs = {f["ref"] for f in payload["files"]}
        return {"tracking_id": tracking_id, "version": case["version"],
                "attachments": [a for a in access.view(case, actor).get("attachments", []) if a["ref"] in refs]}

    @rpc(expected_exceptions=EXPECTED)
    def attachment_for_download(self, tracking_id, ref, actor):
        """The attachment's record when this caller may fetch the file: the complainant (files they may see),
        the officer working the case, the CMO cell. Other staff who see the case see that it exists, no more."""
        case = self._visible_case(tracking_id, actor)
        record = attaching.find(case, ref)
        complainant = access.is_complainant(case, actor)
        if record is None or (complainant and not record.get("public")):
            raise NotFound(f"no attachment {ref} on {tracking_id}")
        if not (complainant or access.works_case(case, actor)):
            raise Forbidden("only the complainant and the officers working the case may open its documents")
        return next(a for a in access.view(case, actor)["attachments"] if a["ref"] == ref)

    def _check_attach(self, case, purpose, count, actor):
        complainant = access.is_complainant(case, actor)
        if not (complainant or access.works_case(case, actor)):
            raise Forbidden("only the complainant and the officer working the case attach documents")
        try:
            attaching.check_may_attach(case, purpose, count, complainant, self.settings.attachments_per_case)
        except attaching.AttachRefused as refused:
            raise Unprocessable(refused.message, {refused.field: [refused.message]}) from None

    @rpc(expected_exceptions=EXPECTED)
    def resolve_together(self, payload, actor):
        """Resolve a cluster of similar cases with one reply. Each case is resolved on its own (its own
        timeline entry naming the others, its own events); a case that cannot be resolved (already
        closed, outside the officer's scope) is reported and the rest go ahead."""
        if allowed(actor, "cases.act_as_citizen"):
            raise Forbidden("officers resolve cases")
        request = validated(_cluster_schema, payload)
        outcomes = []
        for tracking_id in request["tracking_ids"]:
            params = {"resolution": request["resolution"],
                      "together_with": [other for other in request["tracking_ids"] if other != tracking_id]}

            def step(case, now, params=params):
                self._check_may_act(case, actor)
                return domain.apply_action(case, "resolve", params, actor, now)

            try:
                case = self._write(tracking_id, actor, step)
                outcomes.append({"tracking_id": tracking_id, "resolved": True, "status": case["status"]})
            except (Conflict, NotFound, Forbidden) as error:
                outcomes.append({"tracking_id": tracking_id, "resolved": False, "error": error.message,
                                 "http_status": error.status})
        return {"resolved": sum(o["resolved"] for o in outcomes), "cases": outcomes}

    @rpc(expected_exceptions=EXPECTED)
    def give_feedback(self, tracking_id, payload, actor):
        feedback = validated(_feedback_schema, payload)

        def step(case, now):
            if not access.is_complainant(case, actor):
                raise Forbidden("only the complainant rates the outcome")
            return domain.apply_feedback(case, feedback, actor, now)

        return self._answer(self._write(tracking_id, actor, step), actor)

    @rpc(expected_exceptions=EXPECTED)
    def support(self, tracking_id, payload, actor):
        """"Me too": another citizen with the same problem joins the case instead of filing again."""
        validated(_support_schema, payload or {})
        if not allowed(actor, "cases.act_as_citizen") or not actor.get("mobile"):
            raise Forbidden("a citizen signed in with a mobile number supports a case")
        key = access.mobile_key(actor["mobile"])

        def step(case, now):
            if access.is_complainant(case, actor):
                raise Conflict("you filed this case; supporters are other citizens", {"allowed": []})
            if domain.is_closed_for_support(case):
                raise Conflict(f"this case is {case['status']}; file a new grievance", {"allowed": []})
            change = domain.support(case, key, now)
            if change is not None:
                change.set["supporter_keys"] = case.get("supporter_keys", []) + [key]
            return change

        case = self._write(tracking_id, actor, step, visible=False)
        return {"tracking_id": tracking_id, "supporters": case["supporters"]}

    # --- other services (internal RPC, never exposed by the gateway) --------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def export_cases(self, after_id, limit, actor):
        """One page of cases in tracking-ID order, each as events carry it (`domain.snapshot`, with its
        `version`) minus the complainant's personal data, for rebuilding another service's copy (search).
        `next` is the `after_id` of the following page, None after the last; `total` (first page only)
        is the store's estimate. Only for the platform itself (role `system`) and administrators: the
        CMO cell reads cases one by one through get_grievance, which logs who read personal data."""
        actor = authorised(actor, "cases.export")
        if not isinstance(limit, int) or not 1 <= limit <= MAX_EXPORT_PAGE:
            raise ValidationFailed("invalid export page", {"limit": [f"Must be 1 to {MAX_EXPORT_PAGE}."]})
        if after_id is not None and not isinstance(after_id, str):
            raise ValidationFailed("invalid export page", {"after_id": ["Must be a tracking ID or null."]})
        cases = self.store.export_page(after_id, limit)
        log.info("cases exported", extra={"by": actor["sub"], "after_id": after_id, "count": len(cases)})
        return {"cases": [json_data(domain.snapshot(case)) for case in cases],
                "next": cases[-1]["_id"] if len(cases) == limit else None,
                "total": self.store.estimated_count() if after_id is None else None}

    # --- the routing service's decisions ---------------------------------------------------------

    @reliable_event_handler("routing", "grievance.routed")
    def on_routed(self, event):
        self._record_routing(event, ROUTED)

    @reliable_event_handler("routing", "grievance.assigned")
    def on_assigned(self, event):
        self._record_routing(event, "assigned")

    @reliable_event_handler("routing", "grievance.escalated")
    def on_escalated(self, event):
        self._record_routing(event, "escalated")

    # --- helpers ---------------------------------------------------------------------------------

    def _record_routing(self, event, kind):
        # the handler is done (its message acked) once the decision is written: its events go out right after
        routing_decisions.record(self.store, self.outbox.relay_later, self._envelopes, event["subject"], kind,
                                 event["data"], utcnow)

    @staticmethod
    def _proven_mobile(given, actor):
        """A citizen files under the number their token proves; another person's complaint is filed by
        the cell or an officer (phone-assisted). No number given: the proven one."""
        proven = actor.get("mobile")
        if given and (not proven or given[-10:] != proven[-10:]):
            raise Forbidden("complainant.mobile must be the mobile number you signed in with; the CMO cell "
                            "files for someone else by phone", {"field": "complainant.mobile"})
        return given or proven

    def _claim_repeat(self, repeat_key, tracking_id):
        """Claim the repeat key for this filing (None), or the answer for a repeat of a case filed, or
        being filed, in the last 24 hours. The claim is one unique insert; a loser waits for the winner's
        case to appear and answers it, or takes over a claim whose filing died."""
        waited_until = time.monotonic() + 2 * intake_rules.CLAIM_TAKEOVER_AFTER.total_seconds()
        while time.monotonic() < waited_until:
            now = utcnow()
            claim = self.store.claim_repeat(repeat_key, tracking_id, now)
            if claim is None:
                continue  # released meanwhile: try again
            if claim["tracking_id"] == tracking_id:
                return None
            case = self.store.get(claim["tracking_id"])
            verdict = intake_rules.repeat_claim_verdict(claim, case is not None, now)
            if verdict == intake_rules.DUPLICATE:
                return {"tracking_id": case["_id"], "status": case["status"], "duplicate": True}
            if verdict == intake_rules.TAKE_OVER:
                if self.store.move_repeat(repeat_key, claim["tracking_id"], tracking_id, now):
                    return None
                continue
            time.sleep(CLAIM_POLL_SECONDS)  # the first filing is inserting its case
        raise Conflict("the same complaint is being filed right now; try again in a moment", {"allowed": []})

    def _insert_new_case(self, tracking_id, grievance, actor, now, repeat_key, claim=None, idempotent=None):
        """Insert the case with its `grievance.filed` event; a taken tracking ID is drawn again (and the
        repeat claim and the idempotency claim moved to the new one). Under an idempotency key, the case
        found under our tracking ID with our key is ours (a retry that took our claim over filed it)."""
        for _ in range(MAX_WRITE_ATTEMPTS):
            case, events = domain.new_case(tracking_id, grievance, actor, now)
            case["duplicate_key"] = repeat_key
            if idempotent:
                case["idempotency_key"] = idempotent["key"]
            if case["complainant_key"]:
                self.store.list_own_case(case["complainant_key"], tracking_id, now)
            try:
                written = self.store.insert(case, self._envelopes(case, events))
            except DuplicateKeyError:
                if idempotent:
                    existing = self.store.get(tracking_id)
                    if existing is not None and existing.get("idempotency_key") == idempotent["key"]:
                        self.outbox.relay(tracking_id)  # whatever the request that filed it left pending
                        return existing
                fresh = tracking.new_tracking_id(now.year)
                if claim is not None and self.store.move_repeat(repeat_key, tracking_id, fresh, now):
                    claim["tracking_id"] = fresh
                if idempotent and not self.store.move_idempotency_key(idempotent["key"], idempotent["owner"],
                                                                      fresh):
                    raise Conflict("a request with this Idempotency-Key is in progress; try again in a moment",
                                   {"allowed": []}) from None
                tracking_id = fresh
                continue
            # The answer waits for the durable insert only; the event goes out right after (never raises:
            # a failed relay leaves a hint for the sweep, a crash leaves the event for the restart's sweep).
            self.outbox.relay_later(written)
            return case
        raise RuntimeError("could not allocate a tracking ID")

    def _filed(self, case):
        """Answer the filing."""
        log.info("grievance filed", extra={"tracking_id": case["_id"], "status": case["status"]})
        return {"tracking_id": case["_id"], "status": case["status"], "missing": case["missing"],
                "duplicate": False}

    def _visible_case(self, tracking_id, actor):
        if not tracking.is_valid(tracking_id):
            raise NotFound(f"no grievance {tracking_id}")
        case = self.store.get(tracking_id)
        if case is None or not access.can_view(case, actor):
            raise NotFound(f"no grievance {tracking_id}")  # not 403: do not confirm that it exists
        return case

    def _answer(self, case, actor):
        """The case as this caller may see it. Every answer that carries the complainant's contact details
        to someone else is logged (DPDP: who read what, when), whichever request it answers."""
        if access.sees_personal_data(case, actor):
            self.store.log_personal_data_read(case["_id"], actor, utcnow())
        # what the caller may do next, so clients (the console, mobile apps) offer those actions and no others
        return {**access.view(case, actor), "allowed_actions": lifecycle.allowed_for(case, actor)}

    def _check_may_act(self, case, actor):
        if allowed(actor, "cases.act_as_citizen"):
            if not access.is_complainant(case, actor):
                raise Forbidden("only the complainant acts on their case")
        elif not access.can_view(case, actor):
            raise Forbidden("this case is outside your department and districts")

    def _write(self, tracking_id, actor, step, visible=True, if_match=None):
        """Read the case, let `step` decide, write it with its events; retry when it changed meanwhile.
        Returns the case as stored (callers answer with a view of it). With `if_match`, the case must be
        at one of those versions: the write is guarded by the version read, so a change in between makes
        the next read refuse (no check-then-write)."""
        for _ in range(MAX_WRITE_ATTEMPTS):
            if actor is not None and visible:
                case = self._visible_case(tracking_id, actor)
            else:
                case = self.store.get(tracking_id) if tracking.is_valid(tracking_id) else None
                if case is None:
                    raise NotFound(f"no grievance {tracking_id}")
            if if_match is not None and case["version"] not in if_match:
                # the view travels as JSON text: nameko turns every number in an error's details into text
                raise PreconditionFailed("the case has changed since your copy (If-Match); here is the "
                                         "current one", {"version": case["version"],
                                                         "current": json.dumps(self._answer(case, actor))})
            now = utcnow()
            try:
                change = step(case, now)
            except LifecycleError as error:
                raise Conflict(error.message, {"allowed": error.allowed, "status": case["status"]}) from None
            if change is None:
                return case
            after = {**case, **change.set, "version": case["version"] + 1}
            if change.set.get("complainant_key"):  # an edit gave the case another complainant: on their list
                self.store.list_own_case(change.set["complainant_key"], tracking_id, case["created_at"])
            try:
                written = self.store.apply(case, change, self._envelopes(after, change.events), now)
            except ConcurrentUpdate:
                continue
            if written is not None:
                self.outbox.relay_written(written)
            after["timeline"] = case.get("timeline", []) + change.timeline
            after["versions"] = case.get("versions", []) + change.versions
            return after
        raise Conflict("the case is being changed by someone else; try again", {"allowed": []})

    def _envelopes(self, case, events):
        snapshot = domain.snapshot(case)
        return [new_event(kind, self.name, event_data(kind, json_data({**details, "case": snapshot})),
                          subject=case["_id"], correlation_id=self.correlation_id) for kind, details in events]


def _first_answer(case):
    """The answer its filing gave (the case's first status, not its current one)."""
    first = case["timeline"][0]
    return {"tracking_id": case["_id"], "status": first["status"], "missing": first.get("missing", []),
            "duplicate": False}
