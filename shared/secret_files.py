"""Secrets as files: in Kubernetes each service's Secret is mounted as a directory with one file a setting
(deploy/k8s), never as environment variables, which child processes, crash reports and `kubectl describe`
show. Before the config is read, each file named like a setting becomes that environment variable, unless
the environment already sets it."""
import os
import re
from pathlib import Path

DIRECTORY_VARIABLE = "SORASORI_SECRETS_DIR"
SETTING_NAME = re.compile(r"[A-Z][A-Z0-9_]*")


def load(directory=None, environ=os.environ):
    """Fill `environ` from the files in `directory` (default: $SORASORI_SECRETS_DIR); the names it set."""
    directory = directory or environ.get(DIRECTORY_VARIABLE)
    if not directory:
        return []
    loaded = []
    for path in sorted(Path(directory).iterdir()):
        # a mounted Secret also holds `..data` and timestamped folders, which the key files link into
        if not SETTING_NAME.fullmatch(path.name) or not path.is_file() or path.name in environ:
            continue
        environ[path.name] = path.read_text(encoding="utf-8").strip()
        loaded.append(path.name)
    return loaded
