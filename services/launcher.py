"""Run services as their own `nameko run` processes (through services.run), as `make run` and production do (tests, bench)."""
import os
import signal
import subprocess
import sys
from pathlib import Path

import yaml

from services.registry import EVERY_PROCESS

ROOT = Path(__file__).resolve().parents[1]


class ServiceProcess:
    def __init__(self, name, config, directory):
        self.name = name
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.config_path = directory / f"{name}.yaml"
        self.config_path.write_text(yaml.safe_dump(config))
        self.log = directory / f"{name}.log"
        self.process = None

    def start(self):
        env = dict(os.environ, SORASORI_SERVICE=self.name)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "services.run", "--config", str(self.config_path), EVERY_PROCESS[self.name]],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()  # the service stops within SHUTDOWN_GRACE_SECONDS (shared/shutdown.py)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
