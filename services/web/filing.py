"""Filing a grievance from the console's form: the form's fields to the API's body, the API's refusals
(problem+json `errors`, nested by the body's shape) back to the form's fields, and the catalogue's pickers
in the person's language. Pure functions: no I/O."""
import uuid

from shared.vocabulary import Channel, Kind

FIELDS = ("kind", "category", "district", "block", "municipality", "ward", "subject", "description", "name",
          "lat", "lon", "sms_updates")
SMS = "sms"  # the notification channel a citizen consents to
# The API's field (flattened) -> the form's field
API_FIELDS = {"kind": "kind", "category": "category", "subject": "subject", "description": "description",
              "place.district": "district", "place.block": "block", "place.municipality": "municipality",
              "place.ward": "ward", "place.geo": "lat", "place.geo.lat": "lat", "place.geo.lon": "lon",
              "complainant.name": "name", "place": "district", "complainant": "name"}
MAX_FILTER = 60


def new_idempotency_key():
    return uuid.uuid4().hex


def form_values(form):
    """What the person typed, every field kept as text (a refused form shows it again)."""
    return {name: (form.get(name) or "").strip() for name in FIELDS}


def _number(text):
    try:
        return float(text)
    except ValueError:
        return text  # the API names the field


def grievance_body(values, language):
    """The API's GrievanceSchema from the form's values (empty optional fields left out)."""
    place = {"district": values["district"] or None}
    for name in ("block", "municipality", "ward"):
        if values[name]:
            place[name] = values[name]
    if values["lat"] or values["lon"]:
        place["geo"] = {"lat": _number(values["lat"]), "lon": _number(values["lon"])}
    return {"kind": values["kind"] or Kind.COMPLAINT, "subject": values["subject"],
            "description": values["description"], "category": values["category"] or None, "place": place,
            "complainant": {"name": values["name"], "language": language}, "channel": Channel.WEB}


def lookalikes_body(values):
    """The "me too" lookup's body for what the person is about to file (None: too little to look with; the
    filing itself then names what is missing)."""
    text = " ".join(part for part in (values["subject"], values["description"]) if part)
    if not values["district"] or len(values["subject"]) < 3:
        return None
    body = {"text": text[:5000], "district": values["district"]}
    for name in ("category", "block", "municipality"):
        if values[name]:
            body[name] = values[name]
    return body


def sms_choice(preferences, wanted, language):
    """The citizen's notification preferences with SMS on or off as the form says (and their language when
    they have none yet), or None when nothing changes."""
    preferences = preferences or {}
    channels = [c for c in preferences.get("channels") or [] if c != SMS] + ([SMS] if wanted else [])
    chosen = {"channels": channels, "language": preferences.get("language") or language,
              "quiet_hours": preferences.get("quiet_hours", True)}
    unchanged = set(channels) == set(preferences.get("channels") or []) and chosen["language"] == preferences.get("language")
    return None if unchanged else chosen


def field_errors(api_errors):
    """{form field: True} for each field the API refused (the page says what each needs, in the person's
    language); an API field the form does not show is kept under `_other`."""
    refused = {}
    for api_field in api_errors:
        field = API_FIELDS.get(api_field)
        if field is None and api_field.startswith("place."):
            field = "district"
        refused[field or "_other"] = True
    return refused


def name_in(names, language):
    return names.get(language) or names.get("en") or next(iter(names.values()), "")


def category_groups(catalog, language, query=""):
    """Categories grouped by department for a select with optgroups, filtered by a text in any of the three
    languages (the filter works without JavaScript: a GET form)."""
    query = query.strip().casefold()[:MAX_FILTER]
    departments = {d["code"]: name_in(d["names"], language) for d in catalog["departments"]}
    groups = {}
    for category in catalog["categories"]:
        if query and not any(query in name.casefold() for name in category["names"].values()) \
                and query not in category["code"]:
            continue
        groups.setdefault(category["department"], []).append(
            {"code": category["code"], "name": name_in(category["names"], language)})
    return [{"name": departments.get(code, code), "categories": sorted(items, key=lambda c: c["name"])}
            for code, items in groups.items()]


def districts(catalog, language):
    return [{"code": d["code"], "name": name_in(d["names"], language)} for d in catalog["districts"]]


def places_of(catalog, district, language):
    """The district's blocks and municipalities ({kind: [{code, name}]}), empty when the catalogue has none."""
    for entry in catalog["districts"]:
        if entry["code"] == district:
            return {kind: [{"code": p["code"], "name": name_in(p["names"], language)} for p in entry.get(kind, [])]
                    for kind in ("blocks", "municipalities")}
    return None
