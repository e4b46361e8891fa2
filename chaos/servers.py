"""Private servers for `make chaos`: a RabbitMQ node, a FerretDB and an Elasticsearch node of the run's own,
on free loopback ports with their own data folders, so the run can kill -9 them without touching the shared
servers other people use (5672, 27017, 9200). Each is killed by the process id found for it, never by name.
"""
import glob
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

from shared.health import UP, check_mongo_uri

ROOT = Path(__file__).resolve().parents[1]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def low_free_port():
    """Erlang's distribution port must stay below 65536 and clear of the ephemeral range."""
    for port in range(25700, 26700):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port in 25700-26700")


def wait_until(check, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001, S110 - not up yet, whatever the reason
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{what} did not come up within {timeout}s")


def pids_with(marker):
    """Processes whose command line or environment contains `marker` (a path or name unique to this run:
    RabbitMQ's beam carries its node name only in its environment)."""
    found = []
    for proc in glob.glob("/proc/[0-9]*"):
        try:
            text = Path(proc, "cmdline").read_bytes() + b"\0" + Path(proc, "environ").read_bytes()
        except OSError:
            continue
        if marker.encode() in text:
            found.append(int(proc.rsplit("/", 1)[1]))
    return [pid for pid in found if pid != os.getpid()]


def owned_by(user, *paths):
    if os.getuid() == 0:
        for path in paths:
            shutil.chown(path, user)
            for sub in Path(path).rglob("*"):
                shutil.chown(sub, user)


def as_user(user, command):
    return ["runuser", "-u", user, "--", *command] if os.getuid() == 0 else command


class Server:
    name = ""
    marker = ""  # what identifies this instance's processes
    process = None

    def kill(self):
        for _ in range(5):  # a dying server may still start a helper: sweep until none is left
            pids = pids_with(self.marker)
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.2)
        if self.process is not None:
            self.process.wait()

    def stop(self):
        self.kill()


class PrivateRabbitMQ(Server):
    name = "rabbitmq"

    def __init__(self, directory, run):
        self.directory = Path(directory) / "rabbitmq"
        self.node = f"chaos{run}@localhost"
        self.marker = f"chaos{run}"
        self.port, self.api_port, self.dist_port = free_port(), free_port(), low_free_port()
        self.api = f"http://guest:guest@127.0.0.1:{self.api_port}"
        self.host = f"127.0.0.1:{self.port}"
        (self.directory / "log").mkdir(parents=True, exist_ok=True)
        (self.directory / "enabled_plugins").write_text("[rabbitmq_management].\n")
        (self.directory / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\nmanagement.tcp.ip = 127.0.0.1\n"
            f"management.tcp.port = {self.api_port}\n")
        owned_by("rabbitmq", self.directory)

    def start(self):
        d = self.directory
        env = [f"HOME={d}", f"RABBITMQ_NODENAME={self.node}", f"RABBITMQ_MNESIA_BASE={d}/mnesia",
               f"RABBITMQ_LOG_BASE={d}/log", f"RABBITMQ_ENABLED_PLUGINS_FILE={d}/enabled_plugins",
               f"RABBITMQ_CONFIG_FILE={d}/rabbitmq.conf", f"RABBITMQ_DIST_PORT={self.dist_port}",
               f"RABBITMQ_PID_FILE={d}/rabbitmq.pid"]
        with open(d.parent / "rabbitmq.out", "ab") as out:
            self.process = subprocess.Popen(
                as_user("rabbitmq", ["env", *env, "/usr/lib/rabbitmq/bin/rabbitmq-server"]),
                cwd="/", stdout=out, stderr=subprocess.STDOUT)
        wait_until(lambda: requests.get(f"http://127.0.0.1:{self.api_port}/api/overview", auth=("guest", "guest"),
                                        timeout=2).ok, 120, "the private RabbitMQ")


class PrivateFerretDB(Server):
    name = "ferretdb"

    def __init__(self, directory):
        self.directory = Path(directory) / "ferretdb"
        self.marker = str(self.directory) + "/"
        self.port = free_port()
        self.uri = f"mongodb://127.0.0.1:{self.port}/"
        self.binary = ROOT / ".bin" / "ferretdb"

    def start(self):
        (self.directory / "sqlite").mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [str(self.binary), "--handler=sqlite", f"--sqlite-url=file:{self.directory}/sqlite/",
             f"--state-dir={self.directory}/", f"--listen-addr=127.0.0.1:{self.port}", "--debug-addr=-",
             "--telemetry=disable", "--log-level=error"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: check_mongo_uri(self.uri, timeout=0.5)["status"] == UP, 60, "the private FerretDB")


def elasticsearch_home():
    candidates = [os.environ.get("CHAOS_ES_HOME", "")]
    candidates += sorted(glob.glob(str(ROOT / "var/elasticsearch/elasticsearch-9.*")))
    candidates += sorted(glob.glob("/var/lib/sorasori/*/elasticsearch/elasticsearch-9.*"))
    candidates += sorted(glob.glob("/work/main/var/elasticsearch/elasticsearch-9.*"))
    for home in candidates:
        if home and Path(home, "bin", "elasticsearch").exists():
            return Path(home)
    raise SystemExit("[chaos] no Elasticsearch 9 unpacked (run `make infra` once, or set CHAOS_ES_HOME)")


def newest_jdk():
    best, best_major = None, 0
    for home in glob.glob("/usr/lib/jvm/*"):
        try:
            out = subprocess.run([f"{home}/bin/java", "-version"], capture_output=True, text=True, check=False).stderr
            major = int(out.split('"')[1].split(".")[0])
        except (OSError, IndexError, ValueError):
            continue
        if major > best_major:
            best, best_major = home, major
    return best


class PrivateElasticsearch(Server):
    name = "elasticsearch"
    user = "sorasori-es"

    def __init__(self, directory, run):
        self.directory = Path(directory) / "elasticsearch"
        self.home = elasticsearch_home()
        self.port, self.transport_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.marker = f"chaos-{run}"
        self.config_dir = self.directory / "config"
        for sub in ("data", "logs"):
            (self.directory / sub).mkdir(parents=True, exist_ok=True)
        if not self.config_dir.exists():
            shutil.copytree(self.home / "config", self.config_dir)
        owned_by(self.user, self.directory)

    def start(self):
        command = ["env", f"ES_JAVA_HOME={newest_jdk()}", "ES_JAVA_OPTS=-Xms512m -Xmx512m",
                   f"ES_PATH_CONF={self.config_dir}", str(self.home / "bin" / "elasticsearch"),
                   "-E", f"cluster.name={self.marker}", "-E", f"node.name={self.marker}",
                   "-E", "discovery.type=single-node", "-E", "network.host=127.0.0.1",
                   "-E", f"http.port={self.port}", "-E", f"transport.port={self.transport_port}",
                   "-E", "xpack.security.enabled=false", "-E", f"path.data={self.directory}/data",
                   "-E", f"path.logs={self.directory}/logs",
                   "-E", "cluster.routing.allocation.disk.threshold_enabled=false"]
        with open(self.directory.parent / "elasticsearch.out", "ab") as out:
            self.process = subprocess.Popen(as_user(self.user, command), cwd="/", stdout=out,
                                            stderr=subprocess.STDOUT)
        wait_until(lambda: requests.get(f"{self.url}/_cluster/health?wait_for_status=yellow&timeout=1s",
                                        timeout=3).ok, 180, "the private Elasticsearch")
