"""The evaluation set: hand-written complaints with the right category and department."""
import json
from pathlib import Path

DATA_PATH = Path(__file__).resolve().parent.parent / "data" / "eval" / "complaints.jsonl"
SPLITS = ("dev", "heldout", "all")
LANGUAGES = ("bn", "bn_latin", "hi", "en", "mixed")


def load(split="heldout", path=DATA_PATH):
    """Records of one split (`all`: both)."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}")
    with open(path, encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    return [r for r in records if split == "all" or r["split"] == split]


def as_case(record):
    """The record as routing sees a newly filed case with no category chosen."""
    subject, _, description = record["text"].partition(". ")
    return {"subject": subject, "description": description or subject, "place": {"district": record["district"]}}
