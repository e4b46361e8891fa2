"""Notification: SMS, email and webhooks to citizens, officers and subscribed systems."""
from shared.service_base import StoreBackedService


class NotificationService(StoreBackedService):
    name = "notification"
