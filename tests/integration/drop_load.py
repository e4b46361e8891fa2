"""Writers and droppers of one database at once, in OS threads (run as its own process: the tests'
eventlet makes threads green, and green writers did not reproduce the crash). Used by test_store_drops.py.

    python -m tests.integration.drop_load MONGO_URI SECONDS
"""
import random
import sys
import threading
import time

from pymongo import MongoClient, ReturnDocument
from pymongo.errors import PyMongoError

DATABASE = "drops"  # one database: every write races the drops
WRITERS, DROPPERS = 20, 2


def write(client, deadline, n):
    while time.monotonic() < deadline:
        database = client[DATABASE]
        key = f"k{random.randint(0, 3)}"
        try:
            draw = random.random()
            if draw < 0.3:
                database.deliveries.insert_one({"writer": n, "at": time.time()})
            elif draw < 0.6:
                database.rate.update_one({"_id": key}, {"$inc": {"count": 1}}, upsert=True)
            elif draw < 0.8:
                database.due.find_one_and_update({"_id": key}, {"$set": {"writer": n}}, upsert=True,
                                                 return_document=ReturnDocument.AFTER)
            else:
                list(database.deliveries.find({}).limit(50))
        except PyMongoError:  # the database was dropped under the write: expected here
            pass


def drop(client, deadline):
    while time.monotonic() < deadline:
        try:
            client.drop_database(DATABASE)
        except PyMongoError:
            pass
        time.sleep(random.random() * 0.05)


def main(uri, seconds):
    client = MongoClient(uri, serverSelectionTimeoutMS=2000)
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=write, args=(client, deadline, n)) for n in range(WRITERS)]
    threads += [threading.Thread(target=drop, args=(client, deadline)) for _ in range(DROPPERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    client.close()


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
