"""Base for dependency providers that hold one client for the life of the container."""
from nameko.extensions import DependencyProvider


class ClientProvider(DependencyProvider):
    """Subclasses open `self.client` in `setup()`; it is closed when the container stops or is killed
    (an unclosed MongoClient warns, and its monitor threads would outlive the container)."""

    client = None

    def stop(self):
        if self.client is not None:
            self.client.close()

    def kill(self):
        self.stop()
