"""shared/secrets_at_rest.py: a sealed value opens only with its key, for its purpose and its record; the
gateway's kept idempotent answers need their key in production."""
import pytest
from cryptography.exceptions import InvalidTag

from services.gateway.idempotency import answer_sealer
from shared.secrets_at_rest import PLAIN, SEALED, Sealer

KEY = "k" * 32


def test_a_sealed_value_opens_only_for_its_purpose_and_record():
    answers = Sealer(KEY, purpose=b"idempotent-answer:")
    sealed = answers.seal('{"mobile": "9830012345"}', b"key-1")
    assert sealed.startswith(SEALED) and "9830012345" not in sealed
    assert answers.open(sealed, b"key-1") == '{"mobile": "9830012345"}'
    with pytest.raises(InvalidTag):
        answers.open(sealed, b"key-2")  # moved onto another key's record
    with pytest.raises(InvalidTag):
        Sealer(KEY).open(sealed, b"key-1")  # opened as a webhook secret
    with pytest.raises(InvalidTag):
        Sealer("another key", purpose=b"idempotent-answer:").open(sealed, b"key-1")


def test_webhook_secrets_sealed_before_the_move_still_open():
    sealed = Sealer(KEY).seal("whsec_abc")
    assert Sealer(KEY, purpose=b"webhook").open(sealed) == "whsec_abc"


def test_kept_answers_need_their_key_in_production_only():
    with pytest.raises(RuntimeError, match="IDEMPOTENCY_SECRET_KEY"):
        answer_sealer({"SORASORI_ENV": "production", "IDEMPOTENCY_SECRET_KEY": ""})
    assert answer_sealer({"SORASORI_ENV": "production", "IDEMPOTENCY_SECRET_KEY": KEY}).seals
    development = answer_sealer({})
    assert not development.seals and development.seal("{}", b"k") == PLAIN + "{}"
