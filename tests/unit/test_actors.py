from shared.actors import covers

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
