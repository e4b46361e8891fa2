"""Citizens (and officers) sign in with a one-time password sent by SMS."""
from services.identity import otp
from services.identity.common import account_of, is_retired, utcnow
from services.identity.oauth import Account
from services.identity.schemas import OtpRequestSchema
from services.identity.storage import IdentityStorage
from shared.errors import EXPECTED, RateLimited, validated
from shared.masking import mask_mobile
from shared.resilient_rpc import rpc
from shared.signed_rpc import SignedRpcProxy
from shared.vocabulary import Role

_otp_schema = OtpRequestSchema()


class OtpSignIn:
    store = IdentityStorage()
    notification = SignedRpcProxy("notification")

    @rpc(expected_exceptions=EXPECTED)
    def request_otp(self, payload, address):
        """Send a sign-in code by SMS. The answer never says whether the number has an account."""
        request = validated(_otp_schema, payload)
        mobile, now = request["mobile"][-10:], utcnow()
        number_window, address_window, window_end = otp.send_windows(mobile, address, now)
        refused_by = self.store.take_send_slots(number_window, otp.MAX_SENDS_PER_NUMBER,
                                                address_window, otp.MAX_SENDS_PER_ADDRESS, window_end)
        if refused_by is not None:
            why = otp.SEND_REFUSALS[refused_by]
            self.store.audit("otp_refused", now, mobile_sub=mask_mobile(mobile), address=address, reason=why)
            raise RateLimited(why)
        code = otp.new_code()
        self.store.put_challenge(otp.new_challenge(mobile, now, code))
        self.notification.send_sms({"to": mobile, "template": "otp", "language": request["language"],
                                    "params": {"code": code, "minutes": otp.LIFETIME.seconds // 60}})
        self.store.audit("otp_sent", now, mobile=mask_mobile(mobile), address=address)
        return {"sent": True, "expires_in": otp.LIFETIME.seconds}


def verify_otp(store, mobile, code):
    """The account of the person who proved `mobile` with `code`, else None."""
    return verify_otp_or_why(store, mobile, code)[0]


def verify_otp_or_why(store, mobile, code):
    """(the account of the person who proved `mobile` with `code`, None) or (None, why not: a key of
    otp.REFUSALS). The guess is counted before the code is compared, in the operation that checks the code
    still takes guesses: of any number of guesses at once, at most MAX_ATTEMPTS are compared."""
    mobile, now = mobile[-10:], utcnow()
    challenge = store.spend_attempt(mobile, otp.open_for_attempts(now))
    if challenge is None:
        why = otp.refusal_kind(store.challenge(mobile), now)
        store.audit("sign_in_failed", now, mobile=mask_mobile(mobile), reason=otp.REFUSALS[why])
        return None, why
    if not otp.matches(challenge, code):
        store.audit("sign_in_failed", now, mobile=mask_mobile(mobile), reason="wrong code",
                    attempt=challenge["attempts"], code_burnt=challenge["attempts"] >= otp.MAX_ATTEMPTS)
        return None, "too_many_attempts" if challenge["attempts"] >= otp.MAX_ATTEMPTS else "wrong_code"
    if not store.use_challenge(mobile, challenge["salt"]):
        return None, "used_code"  # someone used it a moment ago
    staff = store.staff_account_for(mobile)
    if staff is not None and is_retired(staff):
        store.audit("sign_in_failed", now, sub=staff["_id"], reason=otp.REFUSALS["retired"])
        return None, "retired"
    if staff is not None:
        store.audit("signed_in", now, sub=staff["_id"], role=staff["role"], method="mobile_otp")
        return account_of(store, staff["_id"]), None
    account = store.citizen_signed_in(mobile, now)
    store.audit("signed_in", now, sub=account["_id"], method="mobile_otp")
    return Account(sub=account["_id"], role=Role.CITIZEN, mobile=mobile), None
