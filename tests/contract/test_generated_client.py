"""A client generated from the served OpenAPI document by a standard generator (openapi-python-client) is
enough for a citizen app: sign in by SMS code, file a case, find it on their own list and read it, all through
the generated calls and models (no hand-written requests)."""
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import requests

from services.gateway.auth import make_dev_token
from services.identity.oauth import OTP_GRANT
from tests.integration.platform_client import drinking_water

PACKAGE = "sorasori_client"
MOBILE = "9830012345"
ADMIN = {"sub": "admin-1", "role": "admin"}  # reads the development SMS sink, as a tester of the app would


def generate_client(base_url, into):
    """openapi-python-client over the document the gateway serves; refuses on any warning it prints."""
    document = into / "openapi.json"
    document.write_text(json.dumps(requests.get(base_url + "/api/v1/openapi.json", timeout=20).json()))
    generator = Path(sys.executable).with_name("openapi-python-client")
    bin_dir = str(generator.parent)  # its post-generation hook runs ruff from the PATH
    done = subprocess.run([str(generator), "generate", "--path", str(document), "--output-path",
                           str(into / PACKAGE), "--meta", "none"], capture_output=True, text=True, timeout=300,
                          env={"PATH": bin_dir + ":/usr/bin:/bin"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr  # nothing skipped or refused
    sys.path.insert(0, str(into))
    try:
        return importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(into))


def api(package, module):
    return importlib.import_module(f"{PACKAGE}.{module}")


def test_a_generated_client_signs_in_files_lists_and_reads_a_case(platform, tmp_path):
    package = generate_client(platform.base, tmp_path)
    try:
        models = api(package, "models")
        anyone = package.Client(base_url=platform.base, raise_on_unexpected_status=True)

        sent = api(package, "api.identity.request_otp").sync_detailed(
            client=anyone, body=models.OtpRequest(mobile=MOBILE))
        assert sent.status_code == 200, sent.content
        tester = package.AuthenticatedClient(base_url=platform.base, token=make_dev_token(ADMIN),
                                             raise_on_unexpected_status=True)
        sink = api(package, "api.admin.sms_sink").sync_detailed(client=tester, mobile=MOBILE)
        assert isinstance(sink.parsed, models.SmsMessages), sink.content
        code = re.search(r"\b\d{6}\b", sink.parsed.messages[-1]["text"]).group(0)

        tokens = api(package, "api.identity.token").sync_detailed(client=anyone, body=models.TokenRequest(
            grant_type=OTP_GRANT, client_id="sorasori-citizen-app", mobile=MOBILE, code=code))
        assert isinstance(tokens.parsed, models.Token), tokens.content
        citizen = package.AuthenticatedClient(base_url=platform.base, token=tokens.parsed.access_token,
                                              raise_on_unexpected_status=True)

        filed = api(package, "api.grievances.file_grievance").sync_detailed(
            client=citizen, body=models.Grievance.from_dict(drinking_water(mobile=MOBILE)),
            idempotency_key="app-retry-1")
        assert filed.status_code == 201 and isinstance(filed.parsed, models.Filed), filed.content
        tracking_id = filed.parsed.tracking_id

        mine = api(package, "api.grievances.my_grievances").sync_detailed(client=citizen, limit=10)
        assert isinstance(mine.parsed, models.MyGrievances), mine.content
        assert [item.tracking_id for item in mine.parsed.items] == [tracking_id]

        case = api(package, "api.grievances.get_grievance").sync_detailed(tracking_id, client=citizen)
        assert isinstance(case.parsed, models.CaseForComplainant), case.content
        assert case.parsed.tracking_id == tracking_id and case.parsed.subject == drinking_water()["subject"]
        assert case.headers["ETag"]
    finally:
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
            del sys.modules[name]
