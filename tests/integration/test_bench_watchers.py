"""The capacity bench's watch on the citizens' SMS (bench/watchers.py NotifiedTimes) over the real store: a sink
document committed after a newer one was read still counts, at its own time."""
from datetime import UTC, datetime, timedelta

from bson import ObjectId

from bench.watchers import NotifiedTimes
from shared.config import database_name


def sink(database, mobile, made_at, at):
    database.sms_sink.insert_one({"_id": ObjectId.from_datetime(made_at), "to": mobile, "at": at})


def test_an_sms_committed_after_a_newer_one_was_read_is_still_seen(platform_config, mongo_client):
    database = mongo_client[database_name(platform_config, "notification")]
    watched = NotifiedTimes(database)
    now = datetime.now(UTC).replace(microsecond=0)
    sink(database, "9000000002", now, now)
    watched.read()
    # made two seconds earlier by another send, committed only now: its _id is below the one read
    sink(database, "9000000001", now - timedelta(seconds=2), now - timedelta(seconds=1))
    watched.read()
    assert watched.at == {"9000000002": now.timestamp(), "9000000001": (now - timedelta(seconds=1)).timestamp()}
    # one made before the look-back reaches is found by the last, whole read, at its own time
    late = now - timedelta(seconds=NotifiedTimes.LOOKBACK_SECONDS + 5)
    sink(database, "9000000003", late, now)
    watched.read()
    assert "9000000003" not in watched.at
    watched.read(everything=True)
    assert watched.at["9000000003"] == now.timestamp()
