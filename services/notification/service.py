"""Notification: tells citizens, officers and subscribed systems what happened to a grievance, by SMS,
email, in-app notices and webhooks, in Bengali, English or Hindi.

Event handlers only decide and record (one delivery per event, recipient and channel, rendered in the
recipient's language); a timer sends what is due (dispatch.py), so a provider outage never blocks the
consumers. identity's one-time passwords come in through `send_sms` and go out at once, through the
same channels. It relays the public projection of the events to the public event stream (public_stream.py).
The service is assembled from its parts by resource; each part declares what it uses.
"""
from services.notification.dead_letters import DeadLetters
from services.notification.deliveries import DeliveryLog
from services.notification.notices import Notices
from services.notification.preferences import Preferences
from services.notification.public_stream import PublicStream
from services.notification.sending import Sending
from services.notification.webhooks import Webhooks
from shared.service_base import StoreBackedService


class NotificationService(Sending, PublicStream, Notices, Preferences, DeliveryLog, Webhooks, DeadLetters,
                          StoreBackedService):
    name = "notification"
