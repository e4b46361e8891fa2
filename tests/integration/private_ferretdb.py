"""A FerretDB server of a test's own, so the test can stop and restart it without disturbing others."""
import signal
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

from shared.health import UP, check_mongo_uri
from tests.integration.conftest import free_port
from tests.integration.waiting import wait_for

BINARY = Path(__file__).resolve().parents[2] / ".bin" / "ferretdb"


class PrivateFerretDB:
    def __init__(self, directory):
        if not BINARY.exists():
            pytest.skip(f"{BINARY} is not built (MONGO_URI points at another server)")
        self.directory = Path(directory)
        self.port = free_port()
        self.uri = f"mongodb://127.0.0.1:{self.port}/"
        self.process = None

    def start(self):
        (self.directory / "sqlite").mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [str(BINARY), "--handler=sqlite", f"--sqlite-url=file:{self.directory}/sqlite/",
             f"--state-dir={self.directory}", f"--listen-addr=127.0.0.1:{self.port}", "--debug-addr=-",
             "--telemetry=disable", "--log-level=error"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: check_mongo_uri(self.uri, timeout=0.5)["status"] == UP, what="the private FerretDB")

    @contextmanager
    def paused(self):
        """The server stops answering but keeps its port and connections, as a stalled store does."""
        self.process.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            self.process.send_signal(signal.SIGCONT)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
