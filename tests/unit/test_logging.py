import json
import logging

from shared import correlation
from shared.logging import JsonFormatter


def format_record(message, **extra):
    record = logging.LogRecord("sorasori.test", logging.WARNING, __file__, 1, message, (), None)
    for key, value in extra.items():
        setattr(record, key, value)
    return json.loads(JsonFormatter(service="intake").format(record))


def test_one_json_object_with_level_logger_service():
    entry = format_record("hello %s" % "world")
    assert entry["message"] == "hello world"
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "sorasori.test"
    assert entry["service"] == "intake"
    assert "correlation_id" not in entry


def test_carries_the_current_correlation_id_and_extras():
    token = correlation._current.set("cid-42")
    try:
        entry = format_record("routed", tracking_id="WB-2026-00000001")
    finally:
        correlation._current.reset(token)
    assert entry["correlation_id"] == "cid-42"
    assert entry["tracking_id"] == "WB-2026-00000001"


def test_bengali_text_stays_readable():
    line = JsonFormatter().format(logging.LogRecord("x", logging.INFO, __file__, 1, "জল নেই", (), None))
    assert "জল নেই" in line


def test_carries_the_current_trace():
    from shared import tracing

    assert "trace_id" not in format_record("no trace")
    trace = tracing.new_trace()
    token = tracing._current.set(trace)
    try:
        entry = format_record("traced")
    finally:
        tracing._current.reset(token)
    assert entry["trace_id"] == trace.trace_id and entry["span_id"] == trace.span_id
