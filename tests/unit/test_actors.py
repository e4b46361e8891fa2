import pytest
from marshmallow import ValidationError

from shared.actors import actor_schema, covers, is_machine_client, limits

PHE_BANKURA = {"sub": "o1", "role": "officer", "department": "phe", "districts": ["Bankura"]}


def test_a_staff_member_covers_their_department_in_their_districts():
    assert covers(PHE_BANKURA, "phe", "Bankura")
    assert not covers(PHE_BANKURA, "phe", "Nadia")
    assert not covers(PHE_BANKURA, "power", "Bankura")


def test_the_whole_state_is_every_district_of_the_department_only():
    statewide = {**PHE_BANKURA, "districts": ["*"]}
    assert covers(statewide, "phe", "Nadia") and not covers(statewide, "power", "Nadia")


def test_no_department_on_either_side_covers_nothing():
    assert not covers({**PHE_BANKURA, "department": None}, None, "Bankura")
    assert not covers(PHE_BANKURA, None, "Bankura")


CLIENT = {"sub": "wb-dashboard", "role": "client", "departments": ["phe", "power"], "districts": ["Bankura"],
          "scopes": ["grievances:read"]}


def test_a_machine_client_covers_each_of_its_departments_in_its_districts():
    assert covers(CLIENT, "phe", "Bankura") and covers(CLIENT, "power", "Bankura")
    assert not covers(CLIENT, "phe", "Nadia") and not covers(CLIENT, "health", "Bankura")
    assert limits(CLIENT) == (["phe", "power"], ["Bankura"])


def test_all_departments_is_for_machine_clients_only():
    everywhere = {**CLIENT, "departments": ["*"], "districts": ["*"]}
    assert covers(everywhere, "health", "Nadia") and not covers(everywhere, None, "Nadia")
    assert not covers({**PHE_BANKURA, "department": "*", "districts": ["*"]}, "health", "Nadia")
    assert not covers({**CLIENT, "departments": [], "districts": []}, "phe", "Bankura")  # none: nothing


def test_a_client_is_known_by_its_role_alone():
    assert is_machine_client(CLIENT) and not is_machine_client(PHE_BANKURA)
    assert limits({**PHE_BANKURA, "departments": ["health"]}) == (["phe"], ["Bankura"])  # staff: their department
    assert actor_schema.load(CLIENT) == {**CLIENT, "name": None, "mobile": None, "department": None}
    with pytest.raises(ValidationError):
        actor_schema.load({**CLIENT, "scopes": ["grievances:everything"]})
