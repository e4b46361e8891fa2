from shared.outbox import OUTBOX, PENDING, insert_with_events, update_with_events

EVENTS = [{"id": "e1", "type": "grievance.filed"}, {"id": "e2", "type": "grievance.routed"}]


def test_new_document_carries_its_events():
    document = insert_with_events({"_id": "WB-1", "status": "filed"}, EVENTS)
    assert document[OUTBOX] == EVENTS
    assert document[PENDING] == 2
    assert document["status"] == "filed"


def test_update_appends_events_in_the_same_write():
    update = update_with_events({"$set": {"status": "routed"}, "$inc": {"version": 1}}, EVENTS)
    assert update == {
        "$set": {"status": "routed"},
        "$inc": {"version": 1, PENDING: 2},
        "$push": {OUTBOX: {"$each": EVENTS}},
    }


def test_update_without_events_is_unchanged_and_input_is_not_mutated():
    original = {"$set": {"status": "routed"}}
    assert update_with_events(original, []) == original
    update_with_events(original, EVENTS)
    assert original == {"$set": {"status": "routed"}}
