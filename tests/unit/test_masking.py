from shared.masking import mask_address, mask_contacts_in_text, mask_email, mask_mobile


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


def test_contact_details_quoted_in_free_text_are_masked():
    text = "Called +91 9830012345, 09831099887 and 7003012345; mail mita.das@example.org. Lives at 12 Rabindra Sarani"
    assert mask_contacts_in_text(text, withheld=["12 Rabindra Sarani"]) == (
        "Called +9198******45, 098******87 and 70******45; mail m***@example.org. Lives at (withheld)")


def test_numbers_that_are_not_mobiles_stay():
    text = "Case WB-2026-12345674, delivery a98300123459f, Rs 51,800, account 123456789012, pin 711102"
    assert mask_contacts_in_text(text) == text
    assert mask_contacts_in_text(None) is None and mask_contacts_in_text("") == ""
