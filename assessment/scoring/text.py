"""Text helpers shared by the scorers: markdown removal, sentence splitting that knows abbreviations,
and the normalisation keyword matching uses (case, hyphens, spacing, plural)."""

from __future__ import annotations

import re
import unicodedata

# Words ending in a full stop that do not end a sentence. Single capital initials ("Lyndon B. Johnson")
# are handled by a rule, not listed.
ABBREVIATIONS = {
    "e.g", "i.e", "etc", "vs", "v", "cf", "al", "approx", "ca", "no", "nos", "fig", "figs", "eq", "vol", "pp",
    "p", "ch", "sec", "art", "para", "ed", "eds", "dr", "mr", "mrs", "ms", "prof", "st", "mt", "jr", "sr", "co",
    "corp", "inc", "ltd", "plc", "dept", "univ", "gov", "govt", "u.s", "u.k", "u.n", "e.u", "u.s.a", "a.m", "p.m",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue", "wed",
    "thu", "fri", "sat", "sun", "min", "max", "avg", "est", "gen", "col", "lt", "sgt", "capt", "rev", "hon",
}

_MARKUP = re.compile(r"(\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)|`+|~~)")
_HEADING = re.compile(r"(?m)^\s{0,3}(?:#{1,6}\s+|>\s?)")


def strip_markup(text: str) -> str:
    """Text without markdown emphasis, code ticks, headings and quote marks at line starts."""
    return _MARKUP.sub("", _HEADING.sub("", text))


def _ends_sentence(text: str, dot: int) -> bool:
    """Is the full stop at ``dot`` the end of a sentence (not an abbreviation, initial or decimal point)?"""
    before = text[:dot]
    word = re.search(r"([A-Za-z][A-Za-z.]*)$", before)
    after = text[dot + 1:]
    if re.match(r"\d", after):  # 3.5
        return False
    if word:
        token = word.group(1).lower().rstrip(".")
        if "." in token and token in ABBREVIATIONS:  # "U.S.", "e.g.": only the end of the text ends here
            return not after.strip()
        if token in ABBREVIATIONS:
            # "... in the U.S. The next" is still ambiguous; a following lowercase word settles it.
            nxt = re.match(r"\s+(\S)", after)
            if not nxt or not nxt.group(1).isupper() or token in {"e.g", "i.e", "v", "vs", "cf", "dr", "mr", "mrs",
                                                                    "ms", "prof", "st", "mt", "no", "fig", "art"}:
                return False
        # A single capital initial between capitalised words: "Lyndon B. Johnson".
        if re.fullmatch(r"[A-Z]", word.group(1)) and re.search(r"[A-Z][a-z]+\s+[A-Z]$", before) \
                and re.match(r"\s+[A-Z][a-z]", after):
            return False
    return True


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``: split after . ! ? (and line breaks between paragraphs or list lines),
    not at abbreviations such as "e.g.", "v.", "Dr.", "U.S." or at initials and decimal points."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        start = 0
        for m in re.finditer(r"[.!?…]+[\"'”’)\]]*(?=\s|$)", block):
            end = m.end()
            if m.group(0)[0] == "." and len(m.group(0).rstrip("\"'”’)]")) == 1 and not _ends_sentence(block, m.start()):
                continue
            piece = block[start:end].strip()
            if piece:
                out.append(piece)
            start = end
        rest = block[start:].strip()
        if rest:
            out.append(rest)
    return [s for s in out if re.search(r"\w", s)]


def first_sentence(text: str) -> str:
    """The first sentence of the first non-empty line."""
    for line in text.strip().splitlines():
        if line.strip():
            sentences = split_sentences(line)
            return sentences[0] if sentences else line.strip()
    return ""


# --- keyword normalisation ---------------------------------------------------------------------

_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def _singular(word: str) -> str:
    """A cheap singular: enough to make "attackers"/"attacker" and "privileges"/"privilege" equal."""
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses", "zes")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def norm_tokens(text: str) -> list[str]:
    """Lowercase word tokens with hyphens, spacing, apostrophes, accents and plurals evened out."""
    text = unicodedata.normalize("NFKD", strip_markup(text).translate(_SUBSCRIPTS))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"['’`]s\b", "", text)  # possessive
    text = re.sub(r"['’`]", "", text)
    return [_singular(w) for w in re.findall(r"[a-z0-9]+", text)]


def squash(text: str) -> str:
    """Normalised text with no spaces at all, so "tea bag", "tea-bag" and "teabag" are equal."""
    return "".join(norm_tokens(text))


def contains_phrase(text: str, phrase: str) -> bool:
    """Does ``text`` contain ``phrase`` after normalisation? Compared token-wise and, for phrases,
    also with the spaces removed ("tail gating" ~ "tailgating", "tea bag" ~ "teabag")."""
    words = norm_tokens(text)
    target = norm_tokens(phrase)
    if not target:
        return False
    n = len(target)
    if any(words[i:i + n] == target for i in range(len(words) - n + 1)):
        return True
    joined = "".join(target)
    # Any run of up to three consecutive words that, joined, spells the phrase.
    for size in (1, 2, 3):
        for i in range(len(words) - size + 1):
            if "".join(words[i:i + size]) == joined:
                return True
    return False


_NEGATION = re.compile(r"\b(?:not|never|isn'?t|is\s+not|rather\s+than|instead\s+of|as\s+opposed\s+to|unlike)\s*$",
                       re.IGNORECASE)


def mentioned_only_to_reject(text: str, phrase: str) -> bool:
    """True when every mention of ``phrase`` follows a negation ("spear phishing, not whaling")."""
    words = re.findall(r"\S+", strip_markup(text))
    target = norm_tokens(phrase)
    if not target:
        return False
    hits = 0
    rejected = 0
    for i in range(len(words)):
        for size in range(1, len(target) + 3):
            chunk = " ".join(words[i:i + size])
            if squash(chunk) == "".join(target) and (i == 0 or squash(words[i - 1]) != "".join(target)):
                hits += 1
                if _NEGATION.search(" ".join(words[max(0, i - 3):i])):
                    rejected += 1
                break
    return hits > 0 and hits == rejected
