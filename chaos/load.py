"""The chaos run's clients: citizens filing with Idempotency-Keys (an ambiguous answer, a 5xx, a 409 or no
answer at all, is retried with the same key until it settles), and officers taking some of the cases
through acknowledge, request_info, the citizen's provide_info and resolve (an ambiguous answer is settled
by reading the case: applied, or sent again)."""
import threading
import time
import uuid
from dataclasses import dataclass, field

import requests

from services.gateway.auth import make_dev_token
from shared.vocabulary import Role, Status

CMO_CELL = {"sub": "chaos-cmo-cell", "role": Role.CMO_CELL}
STEPS = ((Role.OFFICER, "acknowledge", {}, Status.ACKNOWLEDGED),
         (Role.OFFICER, "request_info", {"question": "Which para exactly, near which landmark?"},
          Status.INFO_REQUESTED),
         (Role.CITIZEN, "provide_info", {"text": "Behind the primary school, next to the pond."}, Status.IN_PROGRESS),
         (Role.OFFICER, "resolve", {"resolution": "A new tube well was sunk and tested on site."}, Status.RESOLVED))
RETRYABLE = {409, 500, 502, 503, 504}
CONNECTION_FAILED = "no answer"


def citizen(mobile):
    return {"sub": f"citizen-{mobile}", "role": Role.CITIZEN, "mobile": mobile}


def officer_for(case):
    return {"sub": case["officer_id"], "role": Role.OFFICER, "department": case["department"],
            "districts": [case["place"]["district"]]}


@dataclass
class Attempt:
    at: float  # when it was sent
    status: object  # an HTTP status, or CONNECTION_FAILED


@dataclass
class Filing:
    n: int
    key: str
    mobile: str
    subject: str
    attempts: list = field(default_factory=list)
    answer: dict = None
    status: int = None

    @property
    def first(self):
        return self.attempts[0]

    @property
    def ambiguous(self):
        return any(a.status == CONNECTION_FAILED or a.status in RETRYABLE for a in self.attempts)


@dataclass
class Action:
    tracking_id: str
    name: str
    attempts: list = field(default_factory=list)
    outcome: str = None  # accepted, applied (a retry or a read found it done), refused, gave up


class Clients:
    def __init__(self, base_url, run, clock, retry_for=240.0, max_in_flight=12):
        self.base, self.run, self.clock, self.retry_for = base_url, run, clock, retry_for
        self.in_flight = threading.BoundedSemaphore(max_in_flight)  # citizens wait for an answer: closed loop
        self.filings, self.actions = [], []
        self.lock = threading.Lock()
        self.local = threading.local()

    def _session(self):
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session

    def _send(self, method, path, actor, body=None, headers=None):
        headers = {"Authorization": f"Bearer {make_dev_token(actor)}", **(headers or {})}
        try:
            response = self._session().request(method, self.base + path, json=body, headers=headers, timeout=30)
        except requests.RequestException:
            self.local.session = requests.Session()
            return CONNECTION_FAILED, None
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, None

    def body(self, n, mobile):
        return {"kind": "complaint", "subject": f"Chaos {self.run} filing {n}: no drinking water",
                "description": "The tube well in our para has been broken for two weeks; families walk far.",
                "category": "drinking_water", "place": {"district": "Nadia", "block": "Krishnanagar-I"},
                "complainant": {"name": "Chaos Citizen", "mobile": mobile, "language": "en"}, "channel": "mobile"}

    def file(self, n, with_actions):
        self._file(n, with_actions)

    def _file(self, n, with_actions):
        mobile = f"7{n:09d}"
        body = self.body(n, mobile)
        filing = Filing(n, uuid.uuid4().hex, mobile, body["subject"])
        with self.lock:
            self.filings.append(filing)
        deadline, pause = time.monotonic() + self.retry_for, 0.5
        while True:
            sent = self.clock()
            status, answer = self._send("POST", "/api/v1/grievances", citizen(mobile), body,
                                        {"Idempotency-Key": filing.key})
            filing.attempts.append(Attempt(sent, status))
            if status != CONNECTION_FAILED and status not in RETRYABLE:
                filing.status, filing.answer = status, answer
                break
            if time.monotonic() > deadline:
                break
            time.sleep(pause)
            pause = min(pause * 2, 5.0)
        self.in_flight.release()
        if with_actions and filing.status == 201:
            self.take_through_steps(filing)

    def _read_case(self, tracking_id, deadline):
        while time.monotonic() < deadline:
            status, case = self._send("GET", f"/api/v1/grievances/{tracking_id}", CMO_CELL)
            if status == 200:
                return case
            time.sleep(2.0)
        return None

    def take_through_steps(self, filing):
        tracking_id = filing.answer["tracking_id"]
        deadline = time.monotonic() + self.retry_for
        case = None
        while time.monotonic() < deadline:
            case = self._read_case(tracking_id, deadline)
            if case and case["status"] == Status.ROUTED and case.get("officer_id"):
                break
            time.sleep(2.0)
        else:
            return
        actors = {Role.OFFICER: officer_for(case), Role.CITIZEN: citizen(filing.mobile)}
        for who, name, params, target in STEPS:
            action = Action(tracking_id, name)
            with self.lock:
                self.actions.append(action)
            pause = 0.5
            while action.outcome is None:
                sent = self.clock()
                status, _ = self._send("POST", f"/api/v1/grievances/{tracking_id}/actions", actors[who],
                                       {"action": name, **params})
                action.attempts.append(Attempt(sent, status))
                if status == 200:
                    action.outcome = "accepted"
                elif status == CONNECTION_FAILED or status in RETRYABLE:
                    now = self._read_case(tracking_id, deadline)  # did it happen anyway?
                    if now is not None and now["status"] == target:
                        action.outcome = "applied"
                    elif time.monotonic() > deadline:
                        action.outcome = "gave up"
                    else:
                        time.sleep(pause)
                        pause = min(pause * 2, 5.0)
                else:
                    action.outcome = f"refused {status}"
            if action.outcome not in ("accepted", "applied"):
                return


def steady_load(clients, count, rate, action_share, stop):
    """Start `count` filings at `rate` a second (fewer when `max_in_flight` wait for their answers), each in
    a thread of its own; returns the threads."""
    threads, started = [], time.monotonic()
    every = max(1, round(1 / action_share)) if action_share else 0
    for n in range(count):
        if stop.is_set():
            break
        delay = started + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        clients.in_flight.acquire()  # released once the filing has its answer
        thread = threading.Thread(target=clients.file, args=(n, bool(every) and n % every == 0), daemon=True)
        thread.start()
        threads.append(thread)
    return threads
