"""Loaded first (`-p tests.green` in pyproject's addopts), before pytest's entry-point plugins: eventlet
must patch the standard library before anything imports sockets, ssl or threads, and a plugin such as
schemathesis' imports ssl on load (green ssl then recurses in SSLContext.minimum_version)."""
import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")  # a plain Warning, at import
    import eventlet

    eventlet.monkey_patch()
