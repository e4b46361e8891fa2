from shared.masking import mask_address, mask_email, mask_mobile


def test_a_mobile_keeps_its_first_and_last_two_digits():
    assert mask_mobile("9876543245") == "98******45"
    assert mask_mobile("+919876543245") == "+9198******45"


def test_an_email_keeps_its_first_letter_and_domain():
    assert mask_email("mitra@example.org") == "m***@example.org"


def test_a_recipient_address_is_masked_by_its_kind():
    assert mask_address("9876543245") == "98******45"
    assert mask_address("+919876543245") == "+9198******45"
    assert mask_address("mitra@example.org") == "m***@example.org"
    assert mask_address("https://hooks.example.org/a") == "https://hooks.example.org/a"


def test_missing_values_pass_through():
    assert mask_mobile(None) is None and mask_email("") == "" and mask_address(None) is None
