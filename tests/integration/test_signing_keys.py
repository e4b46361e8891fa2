"""The identity service's signing keys on the real store: the first key and a rotation are each one atomic
write, so callers arriving at once agree on one active key and the JWKS holds no key that never signed."""
from datetime import UTC, datetime

import eventlet
import pytest

from services.identity.keys import new_key
from services.identity.signing import key_ring
from services.identity.storage import IdentityStore
from shared.mongo import connect


@pytest.fixture
def store(platform_config):
    client = connect(platform_config["MONGO_URI"])
    yield IdentityStore(client[f"{platform_config['MONGO_DB_PREFIX']}identity_keys"])
    client.drop_database(f"{platform_config['MONGO_DB_PREFIX']}identity_keys")
    client.close()


def at_once(count, call):
    return list(eventlet.GreenPool(count).imap(call, range(count)))


def kids(store):
    return sorted(doc["_id"] for doc in store.signing_key_documents())


def test_twenty_first_signers_at_once_make_one_key(store):
    now = datetime.now(UTC)
    active = at_once(20, lambda n: key_ring(store).active(now)["_id"])
    assert len(set(active)) == 1
    assert kids(store) == active[:1]
    assert [k["kid"] for k in key_ring(store).public_jwks(now)["keys"]] == active[:1]


def test_ten_rotations_at_once_leave_one_chain_of_keys_and_one_active(store):
    now = datetime.now(UTC)
    old = key_ring(store).active(now)["_id"]
    results = at_once(10, lambda n: key_ring(store).rotate(now))
    made = {r["active"] for r in results}
    # each new key replaced exactly one predecessor (no two rotations replaced the same key)
    replaced = {r["retired"] for r in results if r["active"] != r["retired"]}
    assert old in replaced and len(made) == len(replaced)
    assert kids(store) == sorted({old} | made)  # a rotation that lost kept no key of its own
    unretired = [doc["_id"] for doc in store.signing_key_documents() if doc["retired_at"] is None]
    assert unretired == [key_ring(store).active(now)["_id"]]


def test_a_store_from_before_the_active_document_keeps_its_key(store):
    now = datetime.now(UTC)
    store.add_signing_key({**new_key(now), "_id": "20260101-legacy"})  # active then: the one not retired
    assert [key_ring(store).active(now)["_id"] for _ in range(2)] == ["20260101-legacy"] * 2
    assert kids(store) == ["20260101-legacy"]
