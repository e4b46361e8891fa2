"""The web console (services/web) as an OAuth client of the platform's own provider: a confidential client
(client_secret_basic) using the code flow with PKCE. Identity registers it; web signs people in with it."""
from pathlib import Path

from shared.caller import development_key

CLIENT_ID = "sorasori-console"
CALLBACK_PATH = "/auth/callback"
SCOPE = "openid grievances phone profile"
DEVELOPMENT_SECRET_FILE = Path(__file__).resolve().parent.parent / "var" / "secrets" / "web-client.secret"


def client_secret(settings):
    """WEB_CLIENT_SECRET, or in development a secret every local process shares (made on first use); None
    in production without one (identity then registers no console client, and the console refuses to start)."""
    if settings.web_client_secret:
        return settings.web_client_secret
    if settings.sorasori_env == "production":
        return None
    return development_key(DEVELOPMENT_SECRET_FILE)


def redirect_uri(settings):
    return settings.web_public_url.rstrip("/") + CALLBACK_PATH
