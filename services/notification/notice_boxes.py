"""Staff's notice boxes, kept in pages: a box's counter (`notice_boxes`, `{_id: box, n: notices put}`) gives
each notice its place, and notice n goes into page (n - 1) // PAGE (`notice_pages`, `{_id: "<box>#<page>",
notices, ids}`). When a page begins, the page PAGES_KEPT + 1 before it is dropped, so a box holds
PAGES_KEPT full pages and the one being filled: its newest PAGE * PAGES_KEPT + 1 to PAGE * (PAGES_KEPT + 1).

Why pages: a box kept as one document of its 200 notices (75 KB) was written whole twice per notice (the
push, then the pop of the oldest): 33 ms of FerretDB's CPU per notice once the box was full, as every active
officer's is. Now a notice costs the counter's increment and a push into a page of at most PAGE notices.

A notice is kept once: its page refuses its id again, and a replay that lands in a later page (after a crash
between the notice and its record) is shown once, because the reader keeps the first of each id. Boxes from
before the pages (`inbox`, one document each) are moved in at start (`move_single_documents`); until this
process has moved them, reading looks there too.
"""
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

PAGE = 20
PAGES_KEPT = 10


def page_id(box, page):
    return f"{box}#{page}"


class NoticeBoxes:
    moved = set()  # the databases (by name) whose single-document boxes this process has moved into pages

    def __init__(self, database):
        self.database = database
        self.counts, self.pages, self.single = database.notice_boxes, database.notice_pages, database.inbox

    def put(self, box, notice):
        """Two writes, neither a read: the counter's increment, and the push into the notice's page (its id
        guarded). The first notice of a page also drops the page PAGES_KEPT + 1 before it."""
        n = self._next_place(box)
        page = (n - 1) // PAGE
        self._push(page_id(box, page), notice)
        if (n - 1) % PAGE == 0 and page > PAGES_KEPT:
            self.pages.delete_one({"_id": page_id(box, page - PAGES_KEPT - 1)})

    def newest(self, box, limit):
        """The box's newest notices (at least `limit` of them when it has that many), newest page first,
        each id once."""
        count = (self.counts.find_one({"_id": box}) or {}).get("n", 0)
        last = (count - 1) // PAGE
        found, seen = [], set()
        for page in range(last, last - PAGES_KEPT - 1, -1):
            if len(found) >= limit or page < 0:
                break
            kept = self.pages.find_one({"_id": page_id(box, page)}) or {}
            found += _unseen(reversed(kept.get("notices", [])), seen)
        if self.database.name not in NoticeBoxes.moved:
            found += _unseen((self.single.find_one({"_id": box}) or {}).get("notices", []), seen)
        return found

    def move_single_documents(self):
        """Put the notices of every box kept as one document into its pages, oldest first, then drop the
        document. Safe to repeat and to run in several processes at once: a notice put twice is shown once.
        Returns how many boxes were moved."""
        moved = 0
        for single in self.single.find({}):
            for notice in single.get("notices", []):
                self.put(single["_id"], notice)
            self.single.delete_one({"_id": single["_id"]})
            moved += 1
        NoticeBoxes.moved.add(self.database.name)
        return moved

    def _next_place(self, box):
        increment = {"$inc": {"n": 1}}
        try:
            return self.counts.find_one_and_update({"_id": box}, increment, upsert=True,
                                                   return_document=ReturnDocument.AFTER)["n"]
        except DuplicateKeyError:  # a racing first notice made the counter: count on it
            return self.counts.find_one_and_update({"_id": box}, increment, return_document=ReturnDocument.AFTER)["n"]

    def _push(self, page, notice):
        push = {"$push": {"notices": notice, "ids": notice["id"]}}
        try:
            self.pages.update_one({"_id": page, "ids": {"$ne": notice["id"]}}, push, upsert=True)
        except DuplicateKeyError:  # the page exists: it has the notice already, or a racing upsert made it
            self.pages.update_one({"_id": page, "ids": {"$ne": notice["id"]}}, push)


def _unseen(notices, seen):
    kept = []
    for notice in notices:
        if notice["id"] not in seen:
            seen.add(notice["id"])
            kept.append(notice)
    return kept
