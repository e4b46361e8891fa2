"""Notification: SMS, email and webhooks to citizens, officers and subscribed systems.

For now: the SMS contract the identity service's one-time passwords use, delivered to a development sink
(the `sms_sink` collection) that tests and developers read through `sms_sent`. The SMS provider adapter,
templates per language, email and webhooks come with the notification issue.
"""
from datetime import datetime, timezone

from marshmallow import RAISE, Schema, fields, validate
from nameko.rpc import rpc

from shared.errors import EXPECTED, Forbidden, validated
from shared.service_base import StoreBackedService
from shared.validators import INDIAN_MOBILE

OTP_TEXT = {
    "bn": "সরাসরি মুখ্যমন্ত্রী: আপনার কোড {code}। {minutes} মিনিটের মধ্যে ব্যবহার করুন। কাউকে বলবেন না।",
    "en": "Sorasori: your code is {code}. Use it within {minutes} minutes. Do not share it.",
    "hi": "सरासरी: आपका कोड {code} है। {minutes} मिनट में उपयोग करें। किसी को न बताएं।",
}


class SmsSchema(Schema):
    class Meta:
        unknown = RAISE

    to = fields.Str(required=True, validate=INDIAN_MOBILE)
    template = fields.Str(required=True, validate=validate.OneOf(("otp",)))
    language = fields.Str(load_default="en", validate=validate.OneOf(tuple(OTP_TEXT)))
    params = fields.Dict(required=True)


_sms_schema = SmsSchema()


class NotificationService(StoreBackedService):
    name = "notification"

    @rpc(expected_exceptions=EXPECTED)
    def send_sms(self, message):
        message = validated(_sms_schema, message)
        text = OTP_TEXT[message["language"]].format(**message["params"])
        self.db.sms_sink.insert_one({"to": message["to"][-10:], "text": text, "template": message["template"],
                                     "at": datetime.now(timezone.utc)})
        return {"queued": True}

    @rpc(expected_exceptions=EXPECTED)
    def sms_sent(self, mobile):
        """What the development sink holds for a number, newest first (development only)."""
        if self.config.get("SORASORI_ENV") == "production":
            raise Forbidden("the SMS sink exists only in development")
        found = self.db.sms_sink.find({"to": mobile[-10:]}, {"_id": 0})
        return sorted(({**m, "at": m["at"].isoformat()} for m in found), key=lambda m: m["at"], reverse=True)
