"""`python -m services.run --config config/sorasori.yaml services.intake.service:IntakeService`:
nameko's own `nameko run`, without eventlet's deprecation notice at every start (it is a plain Warning,
so PYTHONWARNINGS cannot name it before eventlet is imported)."""
import sys
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

from nameko.cli.main import main

from services.registry import BACKGROUND
from shared import process_priority, secret_files, shutdown

if __name__ == "__main__":
    secret_files.load()  # SORASORI_SECRETS_DIR (Kubernetes): each file a setting
    shutdown.install()  # SIGTERM: stop within SHUTDOWN_GRACE_SECONDS
    process_priority.install(BACKGROUND)  # notification and search yield the CPU to the filing path
    sys.argv[0] = "nameko"
    sys.argv.insert(1, "run")
    sys.exit(main())
