"""Messages that failed every try, for administrators to see and send again."""
from services.notification.access import admin_only
from services.notification.storage import NotificationStorage, utcnow
from shared.errors import EXPECTED, NotFound
from shared.resilient_rpc import rpc


class DeadLetters:
    store = NotificationStorage()

    @rpc(expected_exceptions=EXPECTED)
    def dead_letters(self, actor):
        admin_only(actor)
        return [{"id": d["_id"], **{k: v for k, v in d.items() if k != "_id"}, "at": d["at"].isoformat()}
                for d in self.store.dead_letters()]

    @rpc(expected_exceptions=EXPECTED)
    def replay_dead_letter(self, delivery_id, actor):
        actor = admin_only(actor)
        if not self.store.replay(delivery_id, utcnow(), actor["sub"]):
            raise NotFound(f"no dead letter {delivery_id}")
        return {"replayed": [delivery_id]}

    @rpc(expected_exceptions=EXPECTED)
    def replay_dead_letters(self, actor):
        actor = admin_only(actor)
        ids = [d["_id"] for d in self.store.dead_letters(limit=10000)]
        return {"replayed": [i for i in ids if self.store.replay(i, utcnow(), actor["sub"])]}
