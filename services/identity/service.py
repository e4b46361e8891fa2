"""Identity: the platform's OpenID Connect provider, citizen OTP sign-in, officer roles and scopes."""
from shared.service_base import StoreBackedService


class IdentityService(StoreBackedService):
    name = "identity"
