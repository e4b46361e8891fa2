"""`make eval`: how well routing (and search, through `evaluation.search` when present) serves complaints as
citizens really write them, measured on the hand-written set in data/eval/complaints.jsonl."""
