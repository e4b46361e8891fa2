"""The category classifier as a dependency: loaded once when the service starts, shared by its workers."""
from functools import partial

from nameko.extensions import DependencyProvider

from services.routing.domain import rules
from services.routing.domain.classifier import ARTEFACT_PATH, Classifier
from shared.settings import settings_of


class CategoryGuesser(DependencyProvider):
    """Gives workers `route(case)`: the routing rules with the classifier and ROUTING_MIN_CONFIDENCE."""

    def __init__(self, artefact_path=ARTEFACT_PATH):
        self.artefact_path = artefact_path
        self.classifier = None
        self.min_confidence = rules.DEFAULT_MIN_CONFIDENCE

    def setup(self):
        self.min_confidence = settings_of(self.container.config).routing_min_confidence  # checked: 0 to 1
        self.classifier = Classifier.load(self.artefact_path)

    def get_dependency(self, worker_ctx):
        return partial(rules.route, classifier=self.classifier, min_confidence=self.min_confidence)
