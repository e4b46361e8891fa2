"""Staff accounts (officers, supervisors, the CMO cell, administrators) and the audit log."""
from services.identity.common import admin_only, utcnow
from services.identity.schemas import StaffAccountSchema
from services.identity.storage import DirectoryMember, IdentityStorage
from shared.errors import EXPECTED, Conflict, validated
from shared.masking import mask_mobile
from shared.resilient_rpc import rpc

_staff_schema = StaffAccountSchema()


class Accounts:
    store = IdentityStorage()

    @rpc(expected_exceptions=EXPECTED)
    def put_staff_account(self, payload, actor):
        """Create an officer (or supervisor, cell member, administrator) or change their role and scope."""
        actor = admin_only(actor)
        account = validated(_staff_schema, payload)
        account["_id"] = account.pop("sub")
        account["mobile"] = account["mobile"][-10:]
        now = utcnow()
        try:
            previous = self.store.put_staff_account(account, now)
        except DirectoryMember:
            raise Conflict(f"{account['_id']} is in the officer directory: change them there "
                           f"(POST /api/v1/admin/staff), so routing and notification hear of it",
                           {"allowed": ["put_staff_member", "set_staff_status"]}) from None
        if previous is None:
            self.store.audit("account_created", now, by=actor["sub"], sub=account["_id"], role=account["role"],
                             department=account["department"], districts=account["districts"])
        elif (previous.get("role"), previous.get("department"), previous.get("districts")) != \
                (account["role"], account["department"], account["districts"]):
            self.store.audit("role_changed", now, by=actor["sub"], sub=account["_id"],
                             before={"role": previous.get("role"), "department": previous.get("department"),
                                     "districts": previous.get("districts")},
                             after={"role": account["role"], "department": account["department"],
                                    "districts": account["districts"]})
        return {"sub": account["_id"], "created": previous is None}

    @rpc(expected_exceptions=EXPECTED)
    def staff_accounts(self, actor):
        admin_only(actor)
        return [{"sub": a["_id"], **{k: a.get(k) for k in ("name", "role", "department", "districts")},
                 "mobile": mask_mobile(a["mobile"])} for a in self.store.staff_accounts()]

    @rpc(expected_exceptions=EXPECTED)
    def audit_log(self, actor, kind=None):
        admin_only(actor)
        return [{**e, "at": e["at"].isoformat()} for e in self.store.audit_entries(kind)]
