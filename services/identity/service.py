"""Identity: the platform's OpenID Connect provider, citizen OTP sign-in, officer roles and scopes, and the
officer directory (it publishes `staff.changed`). The service is assembled from its parts by resource; each
part declares the dependencies it uses."""
from services.identity.accounts import Accounts
from services.identity.clients import MachineClients
from services.identity.directory import Directory
from services.identity.sign_in import OtpSignIn
from services.identity.signing import SigningKeys
from services.identity.sso import SingleSignOn
from services.identity.tokens import OAuthEndpoints
from shared.outbox import RelaysOutbox
from shared.service_base import StoreBackedService


class IdentityService(OtpSignIn, OAuthEndpoints, SingleSignOn, SigningKeys, MachineClients, Directory, Accounts,
                      RelaysOutbox, StoreBackedService):
    name = "identity"
