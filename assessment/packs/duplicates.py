"""Exact and near-duplicate prompts within and across packs.

Two prompts are duplicates when, after normalising case, punctuation and whitespace, they are
equal (exact) or their word sets overlap with a Jaccard similarity of at least 0.8 (near). Word
sets rather than character edit distance, because rewording a copied prompt mostly reorders or
swaps a few words; comparing only prompts whose word counts could reach the threshold keeps it
fast (~1,500 items compare in well under a second).
"""

from __future__ import annotations

import re
from collections import defaultdict
from itertools import combinations

from pydantic import BaseModel

from assessment.packs.model import Item, Pack

NEAR_DUPLICATE_JACCARD = 0.8
_NON_WORD = re.compile(r"[^\w]+")


class Duplicate(BaseModel):
    first: str           # "pack/item-id"
    second: str
    similarity: float    # 1.0 for an exact duplicate after normalising
    exact: bool

    def describe(self) -> str:
        kind = "exact duplicate" if self.exact else f"near duplicate (word overlap {self.similarity:.2f})"
        return f"{self.first} and {self.second}: {kind}"


def normalise(text: str) -> str:
    """Lowercase, punctuation to spaces, whitespace collapsed."""
    return " ".join(_NON_WORD.sub(" ", text.lower()).split())


def item_text(item: Item) -> str:
    """Everything the user says in an item (all user turns, with the context)."""
    return " ".join(t["content"] for t in item.turns() if t["role"] == "user")


def find_duplicates(packs: list[Pack], threshold: float = NEAR_DUPLICATE_JACCARD) -> list[Duplicate]:
    entries = [(f"{p.id}/{i.id}", normalise(item_text(i))) for p in packs for i in p.items]
    found: list[Duplicate] = []
    by_text: dict[str, list[str]] = defaultdict(list)
    for name, text in entries:
        by_text[text].append(name)
    for names in by_text.values():
        found.extend(Duplicate(first=a, second=b, similarity=1.0, exact=True) for a, b in combinations(names, 2))
    # Near duplicates among the distinct texts (exact ones are reported above), sorted by word-set
    # size so that each text is compared only with the larger sets that could still reach the threshold.
    unique = sorted(((frozenset(text.split()), names[0]) for text, names in by_text.items()), key=lambda e: len(e[0]))
    for index, (words, name) in enumerate(unique):
        if not words:
            continue
        for other_words, other in unique[index + 1:]:
            if len(words) < threshold * len(other_words):
                break  # |A ∩ B| / |A ∪ B| <= |A| / |B| < threshold for this and every larger set
            shared = len(words & other_words)
            similarity = shared / (len(words) + len(other_words) - shared)
            if similarity >= threshold:
                found.append(Duplicate(first=name, second=other, similarity=round(similarity, 3), exact=False))
    return found
