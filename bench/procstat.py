"""CPU time of processes from /proc (Linux): a process's user + system time, and the pid of whatever
listens on a local TCP port (the shared servers, found by what they serve rather than by name)."""
import os
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
LISTEN = "0A"  # /proc/net/tcp's state column for LISTEN


def stat_fields(stat_text):
    """A /proc/<pid>/stat line's fields from field 3 (state) on. The command name (field 2) may hold spaces
    and ')', so fields are counted from the last ')'."""
    return stat_text.rsplit(")", 1)[1].split()


def cpu_ticks(stat_text):
    """utime + stime (fields 14 and 15) from a /proc/<pid>/stat line."""
    fields = stat_fields(stat_text)
    return int(fields[11]) + int(fields[12])


def _read_stat(pid, proc):
    """The process's /proc/<pid>/stat line; None when it is gone."""
    try:
        return (proc / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None


def cpu_ms(pid, proc=Path("/proc")):
    """Milliseconds of CPU the process used so far; None when it is gone."""
    stat = _read_stat(pid, proc)
    return None if stat is None else cpu_ticks(stat) * 1000 / CLOCK_TICKS


def niceness(pid, proc=Path("/proc")):
    """The process's nice value (field 19 of /proc/<pid>/stat); None when it is gone."""
    stat = _read_stat(pid, proc)
    return None if stat is None else int(stat_fields(stat)[16])


def listening_inodes(table_text, port):
    """Socket inodes listening on `port` in a /proc/net/tcp or tcp6 table."""
    inodes = set()
    for line in table_text.splitlines()[1:]:
        parts = line.split()
        if len(parts) > 9 and parts[3] == LISTEN and int(parts[1].rsplit(":", 1)[1], 16) == port:
            inodes.add(parts[9])
    return inodes


def pid_listening_on(port, proc=Path("/proc")):
    """The pid of the process listening on a local TCP port, or None (not found, or not ours to read)."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            inodes |= listening_inodes((proc / "net" / table).read_text(), port)
        except FileNotFoundError:
            continue
    if not inodes:
        return None
    wanted = {f"socket:[{inode}]" for inode in inodes}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                if os.readlink(fd) in wanted:
                    return int(entry.name)
        except (PermissionError, FileNotFoundError, NotADirectoryError, ProcessLookupError):
            continue
    return None
