"""Bounded counters kept in the store: a limit is checked and counted in ONE atomic operation.

Reading a count and then writing it lets every request that read before the first write pass the limit
(15 filings at once all saw 9). Here the count only moves up inside a conditional update
(`count < limit`), so the store itself decides who got the last slot. The document is created on first use
by an insert on its unique `_id`; losing that insert to a concurrent request just means trying the
conditional update again.
"""
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError


def take_slot(collection, key, limit, fields=None):
    """Count one more under `key` if fewer than `limit` are counted; True when counted."""
    if limit <= 0:
        return False
    for _ in range(2):
        # no projection: FerretDB v1 answers findAndModify with `fields` NotImplemented
        if collection.find_one_and_update({"_id": key, "count": {"$lt": limit}}, {"$inc": {"count": 1}}) is not None:
            return True
        try:
            collection.insert_one({"_id": key, "count": 1, **(fields or {})})
            return True
        except DuplicateKeyError:
            continue  # it exists: full, or created a moment ago by another request; ask once more
    return False


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
