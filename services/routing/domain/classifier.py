"""The category classifier: character n-grams of the text in Latin letters (so Bengali script, Latin-letter
Bengali and Hindi share what they learn; from v2 on Devanagari as Hindi is typed, `indic.romanize`), sublinear TF-IDF, a linear SVM, and a softmax whose temperature
was fitted on cross-validated scores (calibrated probabilities). Trained offline by
`python -m evaluation.train` on the evaluation set's dev part, shipped as a versioned JSON artefact with how
it is weighed against the keywords (`rules.Weighing`; v1 artefacts: `rules.Precedence`), tuned with it.

Pure Python at run time (no scikit-learn in the service): the artefact holds each n-gram's IDF and its
weight for every category, so a prediction is a dictionary lookup per n-gram and a softmax.
"""
import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from services.routing.domain.rules import KEYWORDS_FIRST, Precedence, Weighing
from shared import indic

ARTEFACT_PATH = Path(__file__).resolve().parent.parent / "data" / "classifier-v2.json"
FORMAT = "sorasori-category-classifier/1"
ROMANIZED = "romanized"  # artefact "text": features of `indic.romanize` (v2 on); absent: `indic.to_latin` (v1)


@dataclass(frozen=True)
class Suggestion:
    category: str
    confidence: float


class Classifier:
    def __init__(self, artefact):
        if artefact.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} artefact: {artefact.get('format')!r}")
        self.version = artefact["version"]
        self.labels = artefact["labels"]
        self.intercept = artefact["intercept"]
        self.low, self.high = artefact["ngram_range"]
        self.latin = indic.romanize if artefact.get("text") == ROMANIZED else indic.to_latin
        self.temperature = artefact["temperature"]
        self.features = artefact["features"]  # n-gram -> [idf, weight per label...]
        # when the classifier overrules the keywords (older artefacts: never)
        self.precedence = Precedence(**artefact["precedence"]) if "precedence" in artefact else KEYWORDS_FIRST
        # keywords and classifier weighed together (v2 on); when present it replaces the precedence
        self.weighing = Weighing(**artefact["weighing"]) if "weighing" in artefact else None
        if len(self.intercept) != len(self.labels):
            raise ValueError("the artefact's intercept and labels differ in length")

    @classmethod
    def load(cls, path=ARTEFACT_PATH):
        with open(path, encoding="utf-8") as handle:
            return cls(json.load(handle))

    def predict(self, text, top=3):
        """The `top` (None: all) most likely categories with their probabilities, most likely first."""
        latin = self.latin(text)
        counts = Counter(gram for gram in indic.char_ngrams(latin, self.low, self.high) if gram in self.features)
        weighted = {gram: (1.0 + math.log(count)) * self.features[gram][0] for gram, count in counts.items()}
        norm = math.sqrt(sum(value * value for value in weighted.values())) or 1.0
        scores = list(self.intercept)
        for gram, value in weighted.items():
            row = self.features[gram]
            share = value / norm
            for label in range(len(scores)):
                scores[label] += share * row[label + 1]
        peak = max(scores)
        exps = [math.exp((score - peak) / self.temperature) for score in scores]
        total = sum(exps)
        ranked = sorted(range(len(scores)), key=lambda label: -exps[label])
        return [Suggestion(self.labels[label], exps[label] / total) for label in ranked[:top]]
