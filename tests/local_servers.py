"""The local servers `make infra` started for this run (their pid files under var/run), watched so that a
server dying mid-run stops the run at once with its log's last lines. Without this, every test after the
death failed slowly, on timeouts, and the run ended at CI's time limit with nothing saying why."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WATCHED = {  # name: (pid file, log), as scripts/infra/*.sh write them
    "FerretDB": ("var/run/ferretdb.pid", "var/log/ferretdb.log"),
    "S3Proxy": ("var/run/s3proxy.pid", "var/log/s3proxy.log"),
    "the SMTP sink": ("var/run/mailsink.pid", "var/log/mailsink.log"),
}
LOG_LINES = 40


def running_now(root=ROOT):
    """{name: pid} of the watched servers whose pid file names a live process (a server from the
    environment, e.g. MONGO_URI, has none and is not watched)."""
    found = {}
    for name, (pid_file, _) in WATCHED.items():
        try:
            pid = int((root / pid_file).read_text().strip())
        except (OSError, ValueError):
            continue
        if alive(pid):
            found[name] = pid
    return found


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        pass
    return True


def deaths(watched, root=ROOT):
    """A report of each server in `watched` ({name: pid}) that is no longer running, with its log's end."""
    reports = []
    for name, pid in watched.items():
        if alive(pid):
            continue
        log = root / WATCHED[name][1]
        try:
            tail = log.read_text(errors="replace").splitlines()[-LOG_LINES:]
        except OSError as error:
            tail = [f"(no log: {error})"]
        reports.append(f"{name} (pid {pid}) is no longer running; the last lines of {log}:\n" + "\n".join(tail))
    return reports
