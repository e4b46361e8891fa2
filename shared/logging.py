"""Structured JSON logs, one object a line, each carrying the current correlation ID and trace."""
import json
import logging
import os
import re
from datetime import datetime, timezone

from shared.correlation import current_correlation_id
from shared.tracing import current_trace

_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def __init__(self, service=None, **kwargs):
        super().__init__(**kwargs)
        self.service = service or os.environ.get("SORASORI_SERVICE")

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if self.service:
            entry["service"] = self.service
        cid = current_correlation_id()
        if cid:
            entry["correlation_id"] = cid
        trace = current_trace()
        if trace:
            entry["trace_id"], entry["span_id"] = trace.trace_id, trace.span_id
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


_QUERY_STRING = re.compile(r'\?[^ "]*')


class PathOnlyLog:
    """eventlet's access log without query strings: a sign-in callback's code and state, a search
    someone typed (a name, a mobile number), never reach the log (the path alone says which page)."""

    def __init__(self, logger):
        self.logger = logger

    def info(self, message, *args, **kwargs):
        self.logger.info(_QUERY_STRING.sub("", message), *args, **kwargs)

    def __getattr__(self, name):  # debug, error, warning: eventlet's own messages, no request line
        return getattr(self.logger, name)
