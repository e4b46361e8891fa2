"""In-app notices for officers, supervisors and the CMO cell (`GET /api/v1/notifications`): the officer
directory has no email addresses or mobiles for routing's pool officers, so their notices stay here."""
from services.notification.channels import DELIVERED, Outcome


class InboxChannel:
    replay_safe = True  # the box keeps a notice once, by its id: a send repeated after a crash shows once

    def __init__(self, store):
        self.store = store

    def send(self, delivery):
        self.store.put_notice(delivery["recipient"]["address"], notice(delivery))
        return Outcome(DELIVERED, IN_THE_BOX)


IN_THE_BOX = "in the recipient's notices"


def notice(delivery):
    """What the box keeps of a delivery (its id is the delivery's: a notice put twice shows once)."""
    return {"id": delivery["_id"], "at": delivery["created_at"], "event_type": delivery["event_type"],
            "tracking_id": delivery.get("tracking_id"), "text": delivery["message"]["text"],
            "urgent": delivery.get("urgent", False)}
