"""shared.vocabulary: the groupings agree with each other and with the places that take them."""
import pytest
from marshmallow import ValidationError

from services.intake.domain import lifecycle
from services.intake.schemas import GrievanceSchema
from shared.vocabulary import (
    CLOCK_RUNNING_STATUSES,
    DONE_STATUSES,
    OPEN_STATUSES,
    STAFF_ROLES,
    STATUSES,
    STOPPED_STATUSES,
    WORKING_STATUSES,
    Role,
    Status,
)


def test_every_status_is_open_or_stopped_and_not_both():
    assert set(OPEN_STATUSES) | set(STOPPED_STATUSES) == set(STATUSES)
    assert not set(OPEN_STATUSES) & set(STOPPED_STATUSES)
    assert set(WORKING_STATUSES) <= set(OPEN_STATUSES) and set(CLOCK_RUNNING_STATUSES) <= set(OPEN_STATUSES)
    assert set(DONE_STATUSES) <= set(STOPPED_STATUSES)
    assert Status.INFO_REQUESTED not in CLOCK_RUNNING_STATUSES  # the clock waits on the citizen


def test_every_status_is_reachable_in_the_life_cycle():
    targets = {rule.target for rule in lifecycle.RULES.values()} | {Status.FILED, Status.INCOMPLETE}
    assert targets - {None} == set(STATUSES)


def test_a_member_is_its_word():
    assert Status.FILED == "filed" and f"{Role.CMO_CELL}" == "cmo_cell" and Role.ADMIN not in STAFF_ROLES


def test_schemas_take_the_shared_lists():
    base = {"subject": "no water", "place": {"district": None}, "complainant": {"name": "A"}}
    assert GrievanceSchema().load({**base, "channel": "phone_assisted"})["kind"] == "complaint"
    with pytest.raises(ValidationError) as error:
        GrievanceSchema().load({**base, "channel": "fax"})
    assert "phone_assisted" in str(error.value.messages["channel"])
