"""A subscriber's rights on the public vhost, as regexes RabbitMQ applies (checked here the way it does:
`re.search` of each regex against a name or a binding key)."""
import re

from services.notification.domain import stream_access


def matches(regex, value):
    return re.search(regex, value) is not None


def test_a_subscriber_configures_writes_and_reads_only_its_own_queues_and_reads_the_exchange():
    rights = stream_access.permissions("a1b2c3")
    for right in ("configure", "write", "read"):
        assert matches(rights[right], "sub-a1b2c3.events")
        for other in ("sub-a1b2c3", "sub-a1b2c3x.events", "sub-a1b2c.events", "x.sub-a1b2c3.events", "amq.default",
                      "amq.gen-abc"):
            assert not matches(rights[right], other), (right, other)
    assert matches(rights["read"], "sorasori.public") and not matches(rights["write"], "sorasori.public")
    assert not matches(rights["configure"], "sorasori.public")


def test_topic_permissions_allow_binding_only_inside_the_scope():
    rights = stream_access.topic_permissions(["phe"], ["Bankura", "Cooch Behar"])
    assert rights["exchange"] == "sorasori.public" and rights["write"] == "^$"
    for key in ("phe.bankura.#", "phe.cooch_behar.#", "phe.bankura.grievance.filed.v1", "phe.bankura.*.*.v1"):
        assert matches(rights["read"], key), key
    for key in ("#", "phe.#", "phe.*.#", "*.bankura.#", "power.bankura.#", "phe.bankura", "phe.purulia.#",
                "phe.bankura_x.#", "phe.bankura#", "xphe.bankura.#", "phe.none.#"):
        assert not matches(rights["read"], key), key


def test_a_scope_of_every_district_allows_the_star_there_but_never_the_hash():
    rights = stream_access.topic_permissions(["phe", "power"], ["*"])
    for key in ("phe.*.#", "power.purulia.#", "phe.none.grievance.routed.v1"):
        assert matches(rights["read"], key), key
    for key in ("#", "*.*.#", "phe.#", "food_supplies.*.#"):
        assert not matches(rights["read"], key), key
    assert matches(stream_access.topic_permissions(["*"], ["*"])["read"], "#")


def test_binding_keys_cover_the_scope():
    assert stream_access.binding_keys(["phe"], ["Bankura", "Cooch Behar"]) == ["phe.bankura.#", "phe.cooch_behar.#"]
    assert stream_access.binding_keys(["*"], ["Purulia"]) == ["*.purulia.#"]
    assert stream_access.binding_keys(["*"], ["*"]) == ["#"]
