"""TF-IDF similarity of a pasted text to short documents (leaves, evidence), with the words that drove each score.

Pure functions over strings: no ORM, no request. The vocabulary is fitted on the knowledge base's own documents
(leaf names, definitions, artefact tags, interview mention tags), so only words the taxonomy uses can match.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer


@dataclass(frozen=True)
class Match:
    index: int  # position of the document in the list given to ``rank``
    score: float  # cosine similarity, 0..1
    why: tuple[str, ...]  # the terms that contributed most, strongest first


class Index:
    """Documents vectorised once; ``rank(text)`` scores a text against every one of them."""

    def __init__(self, documents: list[str], *, like: Index | None = None):
        """Fit the vocabulary on ``documents``, or reuse the one fitted by ``like``."""
        if like is not None:
            self.vectorizer = like.vectorizer
        else:
            self.vectorizer = TfidfVectorizer(
                ngram_range=(1, 2),
                sublinear_tf=True,
                stop_words="english",
                token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]+\b",
            )
            self.vectorizer.fit(documents or [""])
        self.terms = self.vectorizer.get_feature_names_out()
        self.matrix = self.vectorizer.transform(documents) if documents else None

    def rank(self, text: str, *, limit: int | None = None, why: int = 5) -> list[Match]:
        """Documents with a positive score, best first (ties by position); ``why`` terms per document."""
        if self.matrix is None:
            return []
        query = self.vectorizer.transform([text])
        scores = (self.matrix @ query.T).toarray().ravel()
        order = [i for i in np.lexsort((np.arange(len(scores)), -scores)) if scores[i] > 0]
        if limit is not None:
            order = order[:limit]
        query_row = query.toarray().ravel()
        matches = []
        for i in order:
            contribution = self.matrix[i].toarray().ravel() * query_row
            top = [j for j in np.argsort(-contribution, kind="stable")[:why] if contribution[j] > 0]
            matches.append(Match(index=int(i), score=round(float(scores[i]), 4), why=tuple(self.terms[j] for j in top)))
        return matches
