"""Server-side encryption as the object store answers it: requested on every put; a store that does not
implement it gets the object without it outside production (once, then no more asking), never in production."""
import pytest
from botocore.exceptions import ClientError

from shared.object_store import ObjectStore


class StoreWithoutSse:
    """Answers put_object as S3Proxy's filesystem backend does: NotImplemented when SSE is asked for."""

    def __init__(self):
        self.puts = []

    def head_bucket(self, Bucket):
        return {}

    def put_object(self, **params):
        self.puts.append(params)
        if "ServerSideEncryption" in params:
            raise ClientError({"Error": {"Code": "NotImplemented", "Message": "A header you provided implies "
                                         "functionality that is not implemented."}}, "PutObject")
        return {"ETag": '"1"'}


def test_outside_production_a_store_without_sse_gets_the_object_without_it_and_is_not_asked_again():
    client = StoreWithoutSse()
    store = ObjectStore(client, "bucket", sse="AES256", require_sse=False)
    assert store.put("k1", b"x", "application/pdf") == {"etag": '"1"', "sse": None}
    store.put("k2", b"y", "application/pdf")
    assert [("ServerSideEncryption" in p) for p in client.puts] == [True, False, False]


def test_in_production_a_store_that_refuses_sse_refuses_the_upload():
    client = StoreWithoutSse()
    store = ObjectStore(client, "bucket", sse="AES256", require_sse=True)
    with pytest.raises(ClientError):
        store.put("k1", b"x", "application/pdf")
    assert len(client.puts) == 1


def test_sse_off_asks_for_none():
    client = StoreWithoutSse()
    ObjectStore(client, "bucket", sse="off").put("k", b"x", "image/png")
    assert "ServerSideEncryption" not in client.puts[0]
