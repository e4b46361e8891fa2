"""A console with something on every page, for the screenshot test: a citizen's routed case (filed in
Bengali through the console), an incomplete phone case for the call centre, 800 synthetic cases in the
search index for the dashboard, and a person of each role who can sign in."""
import re

from tests.integration.platform_client import CMO_CELL, drinking_water
from tests.integration.test_web_citizen import details_form
from tests.integration.test_web_dashboard import staff
from tests.integration.test_web_staff import staff_account

MOBILES = {"citizen": "9830077701", "officer": "7000000301", "supervisor": "7000000302",
           "cmo_cell": "7000000303", "admin": "7000000304"}


def fill(console):
    """Files the cases and opens the accounts; answers the paths' placeholders ({case}, {incomplete})."""
    browser = console.browser()
    console.sign_in(browser, MOBILES["citizen"])
    _, form = details_form(console, browser, district="Bankura")
    filed = console.post(browser, "/file", {**form, "lookalikes_seen": "yes",  # file it, whatever is alike
                                            "subject": "নলকূপ তিন সপ্তাহ ধরে খারাপ", "block": "Onda",
                                            "description": "পাড়ার একমাত্র নলকূপ ভাঙা, চল্লিশটি পরিবার জল পায় না।"})
    assert filed.status_code == 303, filed.text
    tracking_id = re.fullmatch(r"/grievances/([A-Za-z0-9-]+)", filed.headers["Location"]).group(1)
    case = console.gateway.wait_case(tracking_id, lambda c: c["status"] == "routed" and c.get("officer_id"),
                                     "the case to be routed and assigned")
    department, district = case["department"], case["place"]["district"]
    staff_account(console, case["officer_id"], MOBILES["officer"], "officer", department, [district])
    staff_account(console, "sup-browser-1", MOBILES["supervisor"], "supervisor", department, [district])
    staff(console, "cell-browser-1", MOBILES["cmo_cell"], "cmo_cell")
    staff(console, "admin-browser-1", MOBILES["admin"], "admin")

    phoned = drinking_water("9830077702", channel="phone_assisted", description="No water")
    phoned["complainant"].pop("mobile")
    incomplete = console.gateway.ok(console.gateway.file(phoned, CMO_CELL), 201)["tracking_id"]
    return {"case": tracking_id, "incomplete": incomplete}
