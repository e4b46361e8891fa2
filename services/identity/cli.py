"""Administer staff accounts and machine clients from the server: `python -m services.identity.cli COMMAND`.
`make seed` runs seed-demo.

It talks to the running identity service over the broker, as an administrator named after the local user,
with a caller token signed by the platform's INTERNAL_CALLER_KEY: whoever holds that key (and the broker's
credentials) is trusted to administer it.
"""
import argparse
import getpass
import json
import sys
import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()


from services.identity.directory_records import STATES  # noqa: E402
from shared.config import load_config  # noqa: E402
from shared.errors import PlatformError  # noqa: E402
from shared.signed_rpc import SignedClusterRpcProxy  # noqa: E402
from shared.vocabulary import CLIENT_SCOPES, Role  # noqa: E402
from synthetic.staff import directory  # noqa: E402

# The demo directory's offices: every level that works their cases, and the CMO cell, with demo mobiles.
DEMO_OFFICES = [("phe", "Bankura"), ("phe", "Nadia"), ("home_cyber_cell", "Kolkata"), ("power", "Howrah")]


def demo_members():
    return directory(DEMO_OFFICES, iter(range(7000000001, 7000099999)))


def demo_accounts():
    """Staff outside the directory's pools: a supervisor and an administrator."""
    return [{"sub": "sup-phe-bankura", "name": "Supervisor, PHE Bankura", "mobile": "7000100001",
             "role": Role.SUPERVISOR, "department": "phe", "districts": ["Bankura"]},
            {"sub": "admin-demo", "name": "Platform administrator", "mobile": "7000100002", "role": Role.ADMIN}]


def member_body(args):
    contacts = {"mobile": args.mobile, "language": args.language, **({"email": args.email} if args.email else {})}
    return {"sub": args.sub, "name": args.name, "role": args.role, "contacts": contacts,
            "office": {"department": args.department, "district": args.district, "level": args.level}}


def status_body(args):
    body = {"state": args.state}
    body.update({k: v for k, v in (("leave_from", args.leave_from), ("leave_until", args.leave_until),
                                   ("delegate", args.delegate)) if v})
    if args.to_department or args.to_district or args.to_level:
        body["office"] = {"department": args.to_department, "district": args.to_district, "level": args.to_level}
    return body


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m services.identity.cli", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("put-account", help="create an officer/supervisor/cmo_cell/admin, or change one")
    for name in ("sub", "name", "mobile", "role"):
        create.add_argument(f"--{name}", required=True)
    create.add_argument("--department")
    create.add_argument("--district", action="append", dest="districts", default=[],
                        help="repeat for several; '*' for all")
    client = commands.add_parser("register-client", help="a machine client of another state system (its secret "
                                                          "is printed once)")
    client.add_argument("--client-id", required=True)
    client.add_argument("--scope", action="append", dest="scopes", default=[],
                        help="repeat for several: " + " ".join(CLIENT_SCOPES))
    client.add_argument("--department", action="append", dest="departments", default=[],
                        help="whose cases it reads; repeat for several; '*' for all")
    client.add_argument("--district", action="append", dest="districts", default=[],
                        help="whose cases it reads; repeat for several; '*' for all")
    member = commands.add_parser("put-member", help="add a member to the officer directory, or change one")
    for name in ("sub", "name", "role", "department", "district", "mobile"):
        member.add_argument(f"--{name}", required=True)
    member.add_argument("--level", type=int, required=True)
    member.add_argument("--email")
    member.add_argument("--language", default="bn")
    status = commands.add_parser("set-status", help="leave (with a delegate), back to active, transfer, retire")
    status.add_argument("--sub", required=True)
    status.add_argument("--state", required=True, choices=STATES)
    status.add_argument("--leave-from", help="RFC 3339, e.g. 2026-12-01T00:00:00+05:30")
    status.add_argument("--leave-until")
    status.add_argument("--delegate", help="another member of the same office")
    status.add_argument("--to-department", help="a transfer's new office")
    status.add_argument("--to-district")
    status.add_argument("--to-level", type=int)
    listing = commands.add_parser("directory", help="the officer directory (contacts masked)")
    listing.add_argument("--department")
    listing.add_argument("--district")
    commands.add_parser("list", help="staff accounts (mobile numbers masked)")
    commands.add_parser("seed-demo", help="the demo directory (officers, CMO cell), a supervisor and an administrator")
    commands.add_parser("rotate-key", help="a new signing key (the old one verifies until its tokens expire)")
    args = parser.parse_args(argv)

    actor = {"sub": f"cli:{getpass.getuser()}", "role": Role.ADMIN}
    config = load_config()
    config.pop("LOGGING", None)
    with SignedClusterRpcProxy(config, caller=actor, issuer="identity-cli", timeout=30) as cluster:
        identity = cluster.identity
        try:
            if args.command == "put-account":
                account = {k: v for k, v in vars(args).items() if k not in ("command",) and v not in (None, [])}
                print(json.dumps(identity.put_staff_account(account, actor)))
            elif args.command == "register-client":
                body = {"client_id": args.client_id, "departments": args.departments, "districts": args.districts,
                        **({"scope": " ".join(args.scopes)} if args.scopes else {})}
                print(json.dumps(identity.register_machine_client(body, actor)))
            elif args.command == "put-member":
                print(json.dumps(identity.put_staff_member(member_body(args), actor), ensure_ascii=False))
            elif args.command == "set-status":
                print(json.dumps(identity.set_staff_status(args.sub, status_body(args), actor), ensure_ascii=False))
            elif args.command == "directory":
                query = {k: v for k, v in (("department", args.department), ("district", args.district)) if v}
                for found in identity.staff_directory(actor, query):
                    print(json.dumps(found, ensure_ascii=False))
            elif args.command == "list":
                for account in identity.staff_accounts(actor):
                    print(json.dumps(account, ensure_ascii=False))
            elif args.command == "seed-demo":
                members, accounts = demo_members(), demo_accounts()
                for n, member in enumerate(members, start=1):
                    identity.put_staff_member(member, actor)
                    print(f"\r[seed] {n}/{len(members)} directory members", end="", file=sys.stderr, flush=True)
                print(file=sys.stderr)
                for account in accounts:
                    identity.put_staff_account(account, actor)
                print(f"[seed] {len(accounts)} demo accounts (supervisor, administrator)", file=sys.stderr)
                for member in members[:3] + members[-1:]:
                    print(f"[seed] {member['role']:>10} {member['sub']:<40} signs in with "
                          f"{member['contacts']['mobile']}", file=sys.stderr)
                for account in accounts:
                    print(f"[seed] {account['role']:>10} {account['sub']:<40} signs in with {account['mobile']}",
                          file=sys.stderr)
                print(f"[seed] {Role.CITIZEN:>10} {'(any other mobile)':<40} signs in with e.g. 9830000001",
                      file=sys.stderr)
                print("[seed] web console: http://127.0.0.1:8080/ (codes: GET /api/v1/dev/sms?mobile=..., admin)",
                      file=sys.stderr)
            elif args.command == "rotate-key":
                print(json.dumps(identity.rotate_signing_key(actor)))
        except PlatformError as error:
            print(f"error: {json.dumps(error.body())}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
