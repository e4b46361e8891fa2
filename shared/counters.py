"""Bounded counters kept in the store: a limit is checked and counted in ONE atomic operation.

Reading a count and then writing it lets every request that read before the first write pass the limit
(15 filings at once all saw 9). Here the count only moves up inside a conditional update
(`count < limit`), so the store itself decides who got the last slot. That update is an upsert, so a
counter's first slot creates the document in the same one operation; when the counter is full, the upsert's
insert collides with the existing `_id` (DuplicateKeyError, nothing written). The same collision when two
first takers race is told apart by asking once more without the upsert.
"""
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError


def take_slot(collection, key, limit, fields=None):
    """Count one more under `key` if fewer than `limit` are counted; True when counted. One store operation,
    two when the counter is full or its first takers race. `fields` are set when the counter is created."""
    if limit <= 0:
        return False
    update = {"$inc": {"count": 1}}
    if fields:
        update["$setOnInsert"] = fields
    under_limit = {"_id": key, "count": {"$lt": limit}}
    try:
        # no projection: FerretDB v1 answers findAndModify with `fields` NotImplemented
        collection.find_one_and_update(under_limit, update, upsert=True)
        return True
    except DuplicateKeyError:  # full, or created a moment ago by another taker: ask once more, no upsert
        return collection.find_one_and_update(under_limit, {"$inc": {"count": 1}}) is not None


def count_anyway(collection, key, fields=None):
    """Count one more whatever the limit (an allowed override); the new count."""
    update = {"$inc": {"count": 1}}
    if fields:
        update["$setOnInsert"] = fields
    return collection.find_one_and_update({"_id": key}, update, upsert=True,
                                          return_document=ReturnDocument.AFTER)["count"]


def give_back(collection, key):
    """Undo one take_slot or count_anyway whose work did not happen."""
    collection.update_one({"_id": key, "count": {"$gt": 0}}, {"$inc": {"count": -1}})
