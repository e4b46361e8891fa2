"""Synthetic grievance cases, shaped like the snapshot intake's events carry (so search indexes them as it
would live cases), from a seed: the same seed and `now` give the same cases.

The mix is realistic rather than uniform: categories weighted as a CM helpline sees them, most cases in
Bengali, a quarter typed in Latin letters, older cases mostly closed, unresolved ones escalated level by
level past their deadlines, ratings skewed to the good end. Two patterns are planted for insights to find:
a recurring issue (drinking water in RECURRING_DISTRICT) and a hotspot (HOTSPOT_DISTRICT's complaints
tripled over the last HOTSPOT_DAYS).
"""
import random
from datetime import timedelta

from services.intake.domain.tracking import luhn_digit
from shared.catalog import categories, districts
from shared.vocabulary import OPEN_STATUSES, STATE_OFFICE, Status
from synthetic.places import BLOCKS
from synthetic.texts import DESCRIPTIONS, FEEDBACK, LANGUAGES, SUBJECTS, SUGGESTION, issue_words

HISTORY_DAYS = 365
RECURRING_DISTRICT, RECURRING_CATEGORY = "Bankura", "drinking_water"
HOTSPOT_DISTRICT, HOTSPOT_DAYS = "Purulia", 30

CATEGORY_WEIGHTS = {
    "drinking_water": 9, "rural_road": 8, "road_repair": 5, "electricity_supply": 8, "ration_card": 7,
    "health_service": 6, "health_emergency": 1, "swasthya_sathi": 4, "lakshmir_bhandar": 6, "kanyashree": 2,
    "rupashree": 1, "women_safety": 2, "police_complaint": 4, "cyber_fraud": 3, "land_records": 6,
    "krishak_bandhu": 3, "school_education": 3, "higher_education": 1, "sabooj_sathi": 1,
    "jai_johar_pension": 1, "pension": 3, "municipal_services": 6, "migrant_workers": 2, "transport": 1,
    "irrigation": 2, "disaster_relief": 1, "minority_scholarship": 1, "consumer_complaint": 1, "other": 2,
}
# People per district, roughly (lakh, 2011 census): filings follow population.
DISTRICT_WEIGHTS = {
    "Alipurduar": 15, "Bankura": 36, "Birbhum": 35, "Cooch Behar": 28, "Dakshin Dinajpur": 17,
    "Darjeeling": 12, "Hooghly": 55, "Howrah": 49, "Jalpaiguri": 24, "Jhargram": 11, "Kalimpong": 3,
    "Kolkata": 45, "Malda": 40, "Murshidabad": 71, "Nadia": 52, "North 24 Parganas": 100,
    "Paschim Bardhaman": 29, "Paschim Medinipur": 48, "Purba Bardhaman": 48, "Purba Medinipur": 51,
    "Purulia": 29, "South 24 Parganas": 82, "Uttar Dinajpur": 30,
}
KINDS = {"complaint": 0.86, "feedback": 0.07, "suggestion": 0.07}
CHANNELS = {"mobile": 0.4, "web": 0.34, "phone_assisted": 0.23, "email": 0.03}
OPEN = tuple(s for s in OPEN_STATUSES if s not in (Status.INCOMPLETE, Status.FILED))  # routed onwards
ESCALATION_DAYS = 3  # each higher level's clock, in days


def pick(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class CaseFactory:
    def __init__(self, seed, now):
        self.rng = random.Random(seed)
        self.now = now
        self.ids = set()
        assert set(DISTRICT_WEIGHTS) == set(districts()) and set(CATEGORY_WEIGHTS) == set(categories())

    def tracking_id(self, year):
        while True:
            body = f"{self.rng.randrange(10 ** 7):07d}"
            tracking_id = f"WB-{year}-{body}{luhn_digit(body)}"
            if tracking_id not in self.ids:
                self.ids.add(tracking_id)
                return tracking_id

    def filing_time(self):
        """A time in the last year; HOTSPOT_DISTRICT gets two extra filings for each of its ordinary ones
        in the last HOTSPOT_DAYS, which the caller arranges by drawing the district first."""
        return self.now - timedelta(seconds=self.rng.uniform(0, HISTORY_DAYS * 86400))

    def case(self):
        rng = self.rng
        district = pick(rng, DISTRICT_WEIGHTS)
        created = self.filing_time()
        if district == HOTSPOT_DISTRICT and rng.random() < 0.2:
            created = self.now - timedelta(seconds=rng.uniform(0, HOTSPOT_DAYS * 86400))
        weights = dict(CATEGORY_WEIGHTS)
        if district == RECURRING_DISTRICT:
            weights[RECURRING_CATEGORY] *= 6
        category = pick(rng, weights)
        spec = categories()[category]
        department = spec["department"]
        block = rng.choice(BLOCKS[district])
        language = pick(rng, LANGUAGES)
        kind = pick(rng, KINDS)
        subject, description = self.text(kind, category, language, block)
        case = {
            "tracking_id": self.tracking_id(created.year),
            "kind": kind, "channel": pick(rng, CHANNELS), "category": category, "department": department,
            "district": STATE_OFFICE if spec.get("statewide") else district,
            "place": {"district": district, "block": block},
            "subject": subject, "description": description, "language": language.split("_")[0],
            "urgent": bool(spec.get("urgent")), "created_at": created, "level": 1, "transfers": 0,
            "reopenings": 0, "supporters": self.supporters(), "feedback": [], "version": 1,
        }
        self.life(case, spec["sla_days"], language)
        case["officer_id"] = f"off-{department}-{case['district'].lower().replace(' ', '-')}-l{case['level']}-1"
        return case

    def text(self, kind, category, language, block):
        issue = self.rng.choice(issue_words(category, language))
        days = self.rng.randint(2, 60)
        if kind == "suggestion":
            subject = SUGGESTION[language].format(issue=issue, place=block)
        else:
            subject = self.rng.choice(SUBJECTS[language]).format(issue=issue, place=block)
        description = self.rng.choice(DESCRIPTIONS[language]).format(issue=issue, place=block, days=days)
        return subject[:200], description

    def supporters(self):
        """Most cases stand alone; a few gather many "me too"s."""
        roll = self.rng.random()
        if roll < 0.85:
            return 0
        return int(self.rng.paretovariate(1.2)) if roll < 0.995 else self.rng.randint(50, 400)

    def life(self, case, sla_days, language):
        """Status, level, deadline, resolution and feedback by the case's age."""
        rng = self.rng
        age_days = (self.now - case["created_at"]).total_seconds() / 86400
        roll = rng.random()  # how long the office takes: mostly about its SLA, with a long tail
        if roll < 0.8:
            takes_days = rng.expovariate(1 / (sla_days * 0.9)) + 0.1
        elif roll < 0.96:
            takes_days = rng.uniform(sla_days, 150)
        else:
            takes_days = float("inf")  # stuck
        if rng.random() < 0.03 and age_days > 2:
            case["transfers"] = 1
        if age_days >= takes_days:  # done by now
            resolved = case["created_at"] + timedelta(days=takes_days)
            case["resolved_at"] = resolved
            case["status"] = Status.REJECTED if rng.random() < 0.08 \
                else rng.choices((Status.CLOSED, Status.RESOLVED), (2, 1))[0]
            self.escalate(case, sla_days, takes_days)
            if case["status"] == Status.REJECTED:
                del case["resolved_at"]
            elif case["status"] == Status.CLOSED or rng.random() < 0.3:
                rating = rng.choices((5, 4, 3, 2, 1), (40, 28, 14, 10, 8))[0]
                if case["status"] == Status.CLOSED and rating <= 2:
                    rating = 3  # a poor rating would have reopened it
                case["feedback"] = [{"at": resolved + timedelta(hours=rng.uniform(1, 72)), "rating": rating,
                                     "comment": FEEDBACK[language] if rating >= 4 else None}]
            case["updated_at"] = case.get("feedback", [{}])[-1].get("at", resolved) if case["feedback"] else resolved
        else:
            case["status"] = rng.choice(OPEN) if age_days > 1 else rng.choice((Status.ROUTED, Status.ACKNOWLEDGED))
            if case["status"] == Status.REOPENED:
                case["reopenings"] = 1
            self.escalate(case, sla_days, age_days)
            case["updated_at"] = case["created_at"] + timedelta(days=age_days * rng.uniform(0.3, 1))
        case["version"] = 3 + 2 * len(case.get("escalation_levels", [])) + len(case["feedback"]) + \
            (2 if "resolved_at" in case else 0)

    def escalate(self, case, sla_days, elapsed_days):
        """Each missed deadline moves the case one level up, to the CMO cell (L4) at most."""
        deadline_days = sla_days
        levels = []
        while elapsed_days > deadline_days and len(levels) < 3:
            levels.append(len(levels) + 2)
            deadline_days += ESCALATION_DAYS
        if levels:
            case["escalation_levels"] = levels
            case["level"] = levels[-1]
        case["sla_deadline"] = case["created_at"] + timedelta(days=deadline_days)


def generate(count, seed=2026, now=None):
    """`count` cases (dicts shaped like intake's event snapshots), filed over the year before `now`."""
    from datetime import datetime, timezone

    factory = CaseFactory(seed, now or datetime.now(timezone.utc))
    for _ in range(count):
        yield factory.case()
