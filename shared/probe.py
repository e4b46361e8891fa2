"""A Kubernetes exec probe for the RPC services, which have no HTTP port: asks the service's own `health`
RPC over the broker, with the pod's own broker login (each serving user may call its own `health`,
shared/broker_access.py).

    python -m shared.probe intake            # readiness: it answers and its store (and index) are up
    python -m shared.probe intake --answers  # liveness: it answers at all

Exit 0 when healthy, 1 otherwise, with the report or the reason on one line.
"""
import argparse
import sys
import warnings

from shared.settings import settings_of

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")


def ask(config, service, timeout):
    """The service's health report (raises when no instance answers within `timeout` seconds)."""
    from shared.signed_rpc import SignedClusterRpcProxy

    # issuer=service: the reply queue is rpc.reply-<service>-<uuid>, which its broker user may declare
    with SignedClusterRpcProxy(config, caller=None, issuer=service, timeout=timeout) as cluster:
        return getattr(cluster, service).health()


def probe(config, service, answers_only=False, timeout=None):
    """0 when the service is healthy (or, answers_only, answers at all), else 1; says why on one line."""
    timeout = timeout or 2 * settings_of(config).health_timeout
    try:
        report = ask(config, service, timeout)
    except Exception as error:  # noqa: BLE001 (a probe reports every failure as unhealthy)
        print(f"[probe] {service}: no answer ({type(error).__name__}: {error})"[:300], file=sys.stderr)
        return 1
    healthy = answers_only or report.get("status") == "up"
    print(f"[probe] {service}: {report.get('status')} {report.get('components')}"[:500],
          file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m shared.probe")
    parser.add_argument("service")
    parser.add_argument("--answers", action="store_true", help="healthy when it answers, whatever it reports")
    parser.add_argument("--timeout", type=float, help="seconds (default: twice HEALTH_TIMEOUT)")
    parser.add_argument("--config", help="the platform config (default: SORASORI_CONFIG or config/sorasori.yaml)")
    args = parser.parse_args(argv)

    from shared.config import load_config

    return probe(load_config(args.config), args.service, args.answers, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
