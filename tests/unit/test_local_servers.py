import os
import subprocess

from tests import local_servers


def write_server(root, pid, log_lines):
    (root / "var/run").mkdir(parents=True, exist_ok=True)
    (root / "var/log").mkdir(parents=True, exist_ok=True)
    (root / "var/run/ferretdb.pid").write_text(f"{pid}\n")
    (root / "var/log/ferretdb.log").write_text("\n".join(log_lines) + "\n")


def exited_pid():
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_only_servers_running_at_the_start_are_watched(tmp_path):
    write_server(tmp_path, exited_pid(), [])
    assert local_servers.running_now(tmp_path) == {}
    write_server(tmp_path, os.getpid(), [])
    assert local_servers.running_now(tmp_path) == {"FerretDB": os.getpid()}


def test_a_server_that_died_is_reported_with_the_end_of_its_log(tmp_path):
    lines = [f"line {n}" for n in range(100)] + ["fatal error: fault", "[signal SIGBUS: bus error]"]
    write_server(tmp_path, 0, lines)
    pid = exited_pid()
    [report] = local_servers.deaths({"FerretDB": pid}, tmp_path)
    assert report.startswith(f"FerretDB (pid {pid}) is no longer running")
    assert report.endswith("fatal error: fault\n[signal SIGBUS: bus error]")
    assert "line 61" not in report and "line 62" in report  # the last 40 lines
    assert local_servers.deaths({"FerretDB": os.getpid()}, tmp_path) == []
