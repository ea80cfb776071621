"""British and American spellings folded into one form, and snippets that mark the words a query matched.

``normalise()`` runs on the indexed text and on every query, so "optimisation" finds "optimization" (and the other
way round) on both databases whatever their stemmer does. The rules fold a word's British form onto the American
one (-isation/-ise/-yse, -our, -tre, -ogue, -ence, doubled -ll- of a known stem, a few single words). They are
applied to both sides alike, so a word folded that has no second spelling ("noise" -> "noize") still matches
itself. ``snippet()`` cuts the most query-dense passage of a record's original text and marks its matches,
comparing words by their normalised Snowball stem (the algorithm PostgreSQL's ``english`` configuration uses).
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WORD = re.compile(r"[^\W_]+", re.UNICODE)

# Short words whose -our/-ise ending is not a spelling variant and would fold onto a different word.
_KEEP = {"your", "four", "hour", "pour", "tour", "sour", "flour", "dour", "yours", "hours", "tours", "rise", "wise"}
_WORDS = {
    "artefact": "artifact",
    "artefacts": "artifacts",
    "grey": "gray",
    "programme": "program",
    "programmes": "programs",
    "licence": "license",
    "licences": "licenses",
    "defence": "defense",
    "offence": "offense",
    "judgement": "judgment",
    "aluminium": "aluminum",
    "towards": "toward",
}
_DOUBLE_L_STEMS = {"model", "label", "travel", "cancel", "signal", "level", "channel", "tunnel", "fuel", "total"}
_RULES = [
    (re.compile(r"^(\w{2,})is(e|es|ed|ing|er|ers|ation|ations|ational)$"), r"\1iz\2"),
    (re.compile(r"^(\w{2,})ys(e|es|ed|ing|er|ers)$"), r"\1yz\2"),
    (re.compile(r"^(\w{3,})our(s|ed|ing|able|ably|ful|ite|ites|hood|less)?$"), r"\1or\2"),
    (re.compile(r"^(\w{3,})tre(s)?$"), r"\1ter\2"),
    (re.compile(r"^(\w{3,})ogue(s)?$"), r"\1og\2"),
]
_DOUBLE_L = re.compile(r"^(\w+)l(l)(ing|ed|er|ers)$")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here
    hers him his how i if in into is it its itself just me more most my no nor not of off on once only or other our
    out over own same she should so some such than that the their them then there these they this those through to
    too under until up very was we were what when where which while who whom why will with would you your""".split()  # noqa: SIM905
)


@lru_cache(maxsize=65536)
def normalise_word(word: str) -> str:
    """One lower-case word in its folded (American) spelling."""
    word = word.lower()
    if word in _WORDS:
        return _WORDS[word]
    if word in _KEEP or len(word) < 5:
        return word
    match = _DOUBLE_L.match(word)
    if match and match.group(1) + "l" in _DOUBLE_L_STEMS:
        return match.group(1) + "l" + match.group(3)
    for pattern, replacement in _RULES:
        folded = pattern.sub(replacement, word)
        if folded != word:
            return folded
    return word


def normalise(text: str) -> str:
    """``text`` with every word folded (punctuation becomes spaces: the index sees words only)."""
    return " ".join(normalise_word(word) for word in WORD.findall(text or ""))


def query_words(query: str) -> list[str]:
    """The folded words of a query that carry meaning (stop words dropped), first occurrence order, no repeats."""
    seen: dict[str, None] = {}
    for word in WORD.findall(query or ""):
        folded = normalise_word(word)
        if folded not in STOPWORDS:
            seen.setdefault(folded, None)
    return list(seen)


_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _stemmer.stemWord(normalise_word(word))


def snippet(text: str, words: list[str], *, size: int = 28) -> SafeString:
    """The ``size``-word passage of ``text`` with the most distinct query words, escaped, matches in ``<mark>``.

    Empty when no word of the text matches (the caller then shows the start of the text instead).
    """
    stems = {stem(word) for word in words}
    tokens = list(WORD.finditer(text or ""))
    hits = [i for i, token in enumerate(tokens) if stem(token.group()) in stems]
    if not hits:
        return mark_safe("")
    best, best_score = hits[0], -1
    for start in hits:
        window = {stem(tokens[i].group()) for i in hits if start <= i < start + size}
        if len(window) > best_score:
            best, best_score = start, len(window)
    first = max(0, best - 4)
    last = min(len(tokens), first + size) - 1
    # From the text's very start / to its very end when the passage reaches them (keeps leading and final marks).
    begin = 0 if first == 0 else tokens[first].start()
    end = len(text) if last == len(tokens) - 1 else tokens[last].end()
    marked, parts, position = set(hits), [], begin
    for i in range(first, last + 1):
        token = tokens[i]
        parts.append(escape(text[position : token.start()]))
        word = escape(token.group())
        parts.append(f"<mark>{word}</mark>" if i in marked else word)
        position = token.end()
    parts.append(escape(text[position:end]))
    body = " ".join("".join(parts).split())
    return mark_safe(("…" if begin > 0 else "") + body + ("…" if end < len(text) else ""))
