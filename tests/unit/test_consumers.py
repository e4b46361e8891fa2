from shared.consumers import MAX_BACKOFF_SECONDS, dead_letter_queue_name, retry_backoff, topic_matches


def test_backoff_doubles_and_is_capped():
    assert [retry_backoff(n) for n in range(4)] == [0.5, 1.0, 2.0, 4.0]
    assert retry_backoff(30) == MAX_BACKOFF_SECONDS


def test_each_consumer_queue_has_its_own_dead_letter_queue():
    assert dead_letter_queue_name("evt-intake-grievance.filed--search.index") == \
        "dlq.evt-intake-grievance.filed--search.index"


def test_topic_patterns_match_as_the_broker_does():
    assert topic_matches("grievance.#", "grievance.filed") and topic_matches("grievance.#", "grievance")
    assert topic_matches("grievance.#", "grievance.a.b") and topic_matches("#", "staff.changed")
    assert topic_matches("*.filed", "grievance.filed") and not topic_matches("*.filed", "a.grievance.filed")
    assert not topic_matches("grievance.*", "grievance.a.b") and not topic_matches("grievance.#", "staff.changed")
    assert topic_matches("grievance.filed", "grievance.filed") and not topic_matches("grievance.filed", "grievance")
