"""gru_lib.data's text tasks (Chapter 9), checked against the standard library and an independent reading."""

import datetime

import numpy as np
import pytest
from pydoc_data.topics import topics

from gru_lib.data import SENTIMENT_WORDS, date_pairs, negation_sentiment, pydoc_corpus


def test_pydoc_corpus_is_the_documentation_in_ascii():
    train, valid, test = pydoc_corpus()
    text = train + valid + test
    assert set(text) <= {"\n"} | {chr(c) for c in range(32, 127)}
    # every topic written in pure ASCII appears verbatim; each split is its share of the text
    pure = [entry for entry in topics.values() if entry.isascii()]
    assert len(pure) >= 20 and all(entry in text for entry in pure)
    assert len(text) >= sum(map(len, topics.values()))
    for part, share in zip((train, valid, test), (0.8, 0.1, 0.1)):
        assert abs(len(part) / len(text) - share) < 1e-4


def test_pydoc_corpus_is_deterministic_and_checks_fractions():
    assert pydoc_corpus() == pydoc_corpus()
    a, b, c = pydoc_corpus((0.5, 0.25, 0.25))
    assert len(a) == pytest.approx(2 * len(b), abs=2) and (a + b + c) == "".join(pydoc_corpus())
    with pytest.raises(ValueError, match="expected three positive fractions summing to 1"):
        pydoc_corpus((0.8, 0.3, 0.1))


def _label_by_reading(review):
    """An independent reading: a negator flips the next opinion word, modifiers in between."""
    votes, negated = 0, False
    for word in review.split():
        if word in SENTIMENT_WORDS["negators"]:
            negated = True
        elif word in SENTIMENT_WORDS["positive"] or word in SENTIMENT_WORDS["negative"]:
            votes += (1 if word in SENTIMENT_WORDS["positive"] else -1) * (-1 if negated else 1)
            negated = False
        elif word not in SENTIMENT_WORDS["modifiers"]:
            negated = False
    return int(votes > 0)


@pytest.mark.parametrize("max_gap, p_negation", [(0, 0.5), (2, 0.3), (5, 1.0)])
def test_negation_sentiment_labels_follow_the_grammar(max_gap, p_negation):
    reviews, labels = negation_sentiment(2000, seed=0, max_gap=max_gap, p_negation=p_negation)
    assert len(reviews) == 2000 and labels.shape == (2000,) and labels.dtype == np.int64
    assert [_label_by_reading(r) for r in reviews] == labels.tolist()
    assert 0.45 < labels.mean() < 0.55                       # balanced
    negators = [w for r in reviews for w in r.split() if w in SENTIMENT_WORDS["negators"]]
    opinions = [w for r in reviews for w in r.split()
                if w in SENTIMENT_WORDS["positive"] or w in SENTIMENT_WORDS["negative"]]
    assert abs(len(negators) / len(opinions) - p_negation) < 0.03   # one draw per clause
    if max_gap == 0:                                         # every negator touches its opinion word
        modifiers = [w for r in reviews for w in r.split() if w in SENTIMENT_WORDS["modifiers"]]
        assert modifiers == []


def test_negation_sentiment_seeds_and_checks():
    a, b = negation_sentiment(50, seed=1), negation_sentiment(50, seed=1)
    assert a[0] == b[0] and np.array_equal(a[1], b[1])
    assert negation_sentiment(50, seed=2)[0] != a[0]
    with pytest.raises(ValueError, match="expected max_gap >= 0, got -1"):
        negation_sentiment(5, max_gap=-1)
    with pytest.raises(ValueError, match="expected 0 <= p_negation <= 1, got 1.5"):
        negation_sentiment(5, p_negation=1.5)


FORMATS = ("%d %B %Y", "%B %d, %Y", "%d %b %Y", "%d.%m.%Y", "%A, %d %B %Y")


def test_date_pairs_target_is_the_iso_form_of_the_source():
    sources, targets = date_pairs(3000, seed=0)
    used = set()
    for source, target in zip(sources, targets):
        parsed = []
        for i, fmt in enumerate(FORMATS):
            try:
                parsed.append(datetime.datetime.strptime(source, fmt).date())
                used.add(i)
            except ValueError:
                pass
        assert parsed and all(p.isoformat() == target for p in parsed), source
        assert "1950-01-01" <= target <= "2049-12-31"
    assert used == set(range(len(FORMATS)))                  # every style occurs


def test_date_pairs_seeds():
    assert date_pairs(20, seed=5) == date_pairs(20, seed=5)
    assert date_pairs(20, seed=5) != date_pairs(20, seed=6)
