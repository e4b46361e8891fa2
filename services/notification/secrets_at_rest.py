"""Webhook secrets are sealed by shared/secrets_at_rest.py (NOTIFY_SECRET_KEY); kept here for the
notification modules that import it."""
from shared.secrets_at_rest import PLAIN, SEALED, Sealer

__all__ = ["PLAIN", "SEALED", "Sealer"]
