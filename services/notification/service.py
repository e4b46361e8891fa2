"""Notification: tells citizens, officers and subscribed systems what happened to a grievance, by SMS,
email, in-app notices and webhooks, in Bengali, English or Hindi.

Event handlers only decide and record (one delivery per event, recipient and channel, rendered in the
recipient's language; an in-app notice, which needs no provider, is put in its box there and then); a timer
sends what is due (dispatch.py), so a provider outage never blocks the consumers. identity's one-time passwords come in through `send_sms` and go out at once, through the
same channels. Officers, supervisors and the CMO cell are reached by SMS and email from identity's officer
directory (staff.py), supervisors and the cell get a daily digest (digest.py). Systems outside subscribe to webhooks (webhooks.py), read the public projection of the events
on the public event stream (public_stream.py relays it) with accounts of their own (subscribers.py).
The service is assembled from its parts by resource; each part declares what it uses.
"""
from services.notification.dead_letters import DeadLetters
from services.notification.deliveries import DeliveryLog
from services.notification.digest import Digest
from services.notification.grievance_events import GrievanceEvents
from services.notification.notices import Notices
from services.notification.preferences import Preferences
from services.notification.public_stream import PublicStream
from services.notification.sending import Sending
from services.notification.staff import StaffDirectory
from services.notification.subscribers import Subscribers
from services.notification.webhooks import Webhooks
from shared.service_base import StoreBackedService


class NotificationService(GrievanceEvents, Sending, StaffDirectory, Digest, PublicStream, Notices, Preferences, DeliveryLog,
                          Webhooks, Subscribers, DeadLetters, StoreBackedService):
    name = "notification"
