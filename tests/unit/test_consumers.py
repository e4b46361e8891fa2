from shared.consumers import MAX_BACKOFF_SECONDS, dead_letter_queue_name, retry_backoff


def test_backoff_doubles_and_is_capped():
    assert [retry_backoff(n) for n in range(4)] == [0.5, 1.0, 2.0, 4.0]
    assert retry_backoff(30) == MAX_BACKOFF_SECONDS


def test_each_consumer_queue_has_its_own_dead_letter_queue():
    assert dead_letter_queue_name("evt-intake-grievance.filed--search.index") == \
        "dlq.evt-intake-grievance.filed--search.index"
