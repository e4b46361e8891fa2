"""Intake: owns the case of record for every grievance (filing, timeline, officer actions, feedback)."""
from shared.service_base import StoreBackedService


class IntakeService(StoreBackedService):
    name = "intake"
