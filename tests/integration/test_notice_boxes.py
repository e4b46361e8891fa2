"""Staff's notice boxes in pages (services/notification/notice_boxes.py), against the real store: a notice costs
two small writes and no read however full the box, the box keeps its newest 200 to 220, a notice put twice
shows once, notices put at once are all kept, and boxes kept as one document are moved into pages."""
import eventlet

from services.notification.notice_boxes import PAGE, PAGES_KEPT, NoticeBoxes
from services.notification.storage import NotificationStore
from tests.integration.store_operations import counted_client, operations, spent

BOX = "officer:o-1"


def notice(n, at=None):
    return {"id": f"n-{n}", "at": n if at is None else at, "text": f"notice {n}"}


def database_of(platform_config, client):
    return client[platform_config["MONGO_DB_PREFIX"] + "notification"]


def test_a_full_box_takes_a_notice_with_two_small_writes_and_keeps_its_newest(platform_config):
    app_name, client = counted_client(platform_config)
    database = database_of(platform_config, client)
    store = NotificationStore(database)
    kept_most = PAGE * (PAGES_KEPT + 1)
    for n in range(kept_most + 35):
        store.put_notice(BOX, notice(n))
    before = operations(app_name)
    store.put_notice(BOX, notice(kept_most + 35))  # not the first of its page
    assert spent(app_name, before) == {"findAndModify notice_boxes": 1, "update notice_pages": 1}
    before = operations(app_name)
    for n in range(kept_most + 36, kept_most + 36 + PAGE):  # a page's worth: one of them begins a page
        store.put_notice(BOX, notice(n))
    assert spent(app_name, before) == {"findAndModify notice_boxes": PAGE, "update notice_pages": PAGE,
                                       "delete notice_pages": 1}
    put = kept_most + 36 + PAGE
    shown = [n["id"] for n in store.notices([BOX], 1000)]
    assert PAGE * PAGES_KEPT < len(shown) <= kept_most
    assert shown == [f"n-{n}" for n in range(put - 1, put - 1 - len(shown), -1)]  # the newest, newest first
    assert [n["id"] for n in store.notices([BOX], 5)] == [f"n-{n}" for n in range(put - 1, put - 6, -1)]
    assert max(len(page["ids"]) for page in database.notice_pages.find({})) == PAGE  # no document grows
    assert database.notice_pages.count_documents({}) == PAGES_KEPT + 1


def test_a_notice_put_twice_shows_once_in_its_page_or_a_later_one(platform_config, mongo_client):
    store = NotificationStore(database_of(platform_config, mongo_client))
    store.put_notice(BOX, notice(1))
    store.put_notice(BOX, notice(1))  # the same page refuses it
    for n in range(2, PAGE + 3):
        store.put_notice(BOX, notice(n))
    store.put_notice(BOX, notice(1, at=1))  # a replay after the page turned (a crash before its record)
    shown = [n["id"] for n in store.notices([BOX], 100)]
    assert sorted(shown) == sorted({f"n-{n}" for n in range(1, PAGE + 3)}) and shown.count("n-1") == 1


def test_notices_put_at_once_are_all_kept(platform_config, mongo_client):
    database = database_of(platform_config, mongo_client)
    store = NotificationStore(database)
    pool = eventlet.GreenPool(30)
    for n in range(3 * PAGE):
        pool.spawn_n(store.put_notice, BOX, notice(n))
    pool.waitall()
    assert database.notice_boxes.find_one({"_id": BOX})["n"] == 3 * PAGE
    assert sorted(n["id"] for n in store.notices([BOX], 1000)) == sorted(f"n-{n}" for n in range(3 * PAGE))
    assert max(len(page["ids"]) for page in database.notice_pages.find({})) <= PAGE


def test_a_box_kept_as_one_document_is_read_until_moved_then_moved_into_pages(platform_config, mongo_client):
    database = database_of(platform_config, mongo_client)
    old = [notice(n) for n in range(30)]
    database.inbox.insert_one({"_id": BOX, "notices": old, "ids": [n["id"] for n in old]})
    store = NotificationStore(database)
    NoticeBoxes.moved.discard(database.name)
    store.put_notice(BOX, notice(30))  # a new notice before the move
    assert [n["id"] for n in store.notices([BOX], 5)] == ["n-30", "n-29", "n-28", "n-27", "n-26"]
    assert NoticeBoxes(database).move_single_documents() == 1
    assert database.inbox.count_documents({}) == 0
    assert NoticeBoxes(database).move_single_documents() == 0  # again: nothing left to move
    assert [n["id"] for n in store.notices([BOX], 100)] == [f"n-{n}" for n in range(30, -1, -1)]
