"""The process-wide MongoClient cache: one client per server, name and options; the last user closes it."""
from shared import mongo

URI = "mongodb://127.0.0.1:1/"  # never contacted: a client connects lazily


def test_users_share_one_client_and_the_last_release_closes_it(monkeypatch):
    closed = []
    first = mongo.shared_client(URI, "routing")
    monkeypatch.setattr(first, "close", lambda: closed.append(first))
    assert mongo.shared_client(URI, "routing") is first
    other = mongo.shared_client(URI, "routing", serverSelectionTimeoutMS=100)
    assert other is not first
    mongo.release_client(first)
    assert closed == [] and mongo.shared_client(URI, "routing") is first
    mongo.release_client(first)
    mongo.release_client(first)
    assert closed == [first]
    assert mongo.shared_client(URI, "routing") is not first  # a fresh one after the last closed
    for client in {mongo.shared_client(URI, "routing"), other}:
        while any(entry[0] is client for entry in mongo._shared.values()):
            mongo.release_client(client)
