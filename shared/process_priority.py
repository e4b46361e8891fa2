"""Work that follows a filing yields the CPU to work that answers one.

On one machine (`make run`, the bench, a small deployment) every process shares the same cores. Under load
the kernel's scheduler then gives a citizen's filing (gateway, intake, the store, the broker) no larger share
than the messages and index writes that follow earlier filings, and the 201 queues behind them. The
background services (services/registry.py: notification and search) therefore lower their own CPU priority
at start by BACKGROUND_NICENESS (nice(2); 0 leaves it). They are not starved: with a core free they run as
before, and under contention they take what the answering path leaves (nice 10 weighs about a tenth of
nice 0). `make infra` starts Elasticsearch the same way.

In Kubernetes each pod has its own cgroup, and a process's niceness weighs only against its own pod's
processes: there the pods' CPU requests carry the same order (deploy/k8s/render.py).
"""
import logging
import os

from shared.settings import settings_of

log = logging.getLogger(__name__)


def lower_if_background(niceness, service_names, background):
    """Lower this process's priority by `niceness` when it runs a background service. Answers whether it did."""
    if niceness <= 0 or not set(service_names) & set(background):
        return False
    now = os.nice(niceness)
    log.info("background service: CPU priority lowered", extra={"niceness": now})
    return True


def install(background):
    """Make `nameko run`'s runner lower its process's priority before it starts a background service
    (services/run.py calls this after shared.shutdown.install)."""
    import nameko.cli.run

    runner_class = nameko.cli.run.ServiceRunner

    class PriorityRunner(runner_class):
        def start(self):
            lower_if_background(settings_of(self.config).background_niceness, self.service_map, background)
            super().start()

    nameko.cli.run.ServiceRunner = PriorityRunner
