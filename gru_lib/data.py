"""Offline data for the book: seeded synthetic tasks (nothing is downloaded)."""

import numpy as np


def adding_problem(n, length, seed=None, dtype=np.float32):
    """The adding problem (Arjovsky et al. 2016 form), batch-first.

    Each sequence has ``length`` steps of (value ~ U[0, 1], marker ∈ {0, 1}); exactly two markers,
    one in each half. The target is the sum of the two marked values. Predicting 1 always gives
    mean squared error 1/6, the bar a model must beat.
    Returns x (n, length, 2) and y (n, 1).
    """
    if length < 2:
        raise ValueError(f"expected length >= 2 (one marker in each half), got {length}")
    rng = np.random.default_rng(seed)
    values = rng.uniform(0, 1, size=(n, length))
    half = length // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, length, size=n)
    markers = np.zeros((n, length))
    markers[np.arange(n), first] = 1
    markers[np.arange(n), second] = 1
    x = np.stack([values, markers], axis=-1).astype(dtype)
    y = (values[np.arange(n), first] + values[np.arange(n), second])[:, None].astype(dtype)
    return x, y


def copy_task(n, delay, n_symbols=8, n_copy=10, seed=None):
    """The copy task (Arjovsky et al. 2016): remember ``n_copy`` symbols over ``delay`` blanks.

    Tokens: 0 blank, 1..n_symbols symbols, n_symbols + 1 the delimiter. The input is the symbols,
    delay − 1 blanks, the delimiter, then n_copy blanks; the target is blanks until the last
    n_copy steps, which repeat the symbols. A memoryless model's best cross-entropy is
    n_copy · log(n_symbols) / (delay + 2 n_copy). Returns integer x, y of shape (n, delay + 2 n_copy).
    """
    if delay < 1:
        raise ValueError(f"expected delay >= 1, got {delay}")
    rng = np.random.default_rng(seed)
    symbols = rng.integers(1, n_symbols + 1, size=(n, n_copy))
    total = delay + 2 * n_copy
    x = np.zeros((n, total), dtype=np.int64)
    y = np.zeros((n, total), dtype=np.int64)
    x[:, :n_copy] = symbols
    x[:, n_copy + delay - 1] = n_symbols + 1
    y[:, -n_copy:] = symbols
    return x, y


TEMPORAL_ORDER_TOKENS = 8   # distractors a, b, c, d = 0..3; X = 4, Y = 5; start B = 6, end E = 7


def temporal_order(n, length, seed=None):
    """The temporal order task (Hochreiter & Schmidhuber 1997, experiment 6a), batch-first.

    A sequence B, distractors..., E of ``length`` tokens hides two relevant symbols, each X or Y,
    one at a random step in [0.1 L, 0.2 L) and one in [0.5 L, 0.6 L). The class is their order:
    0 XX, 1 XY, 2 YX, 3 YY, so a model must remember the first symbol across about 0.4 L
    distractors. Chance is 25 %. Returns integer x (n, length) and y (n,).
    """
    if length < 10:
        raise ValueError(f"expected length >= 10 (the two windows must be non-empty), got {length}")
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, size=(n, length))
    x[:, 0], x[:, -1] = 6, 7
    first = rng.integers(length // 10, 2 * length // 10, size=n)
    second = rng.integers(5 * length // 10, 6 * length // 10, size=n)
    is_y = rng.integers(0, 2, size=(n, 2))
    x[np.arange(n), first] = 4 + is_y[:, 0]
    x[np.arange(n), second] = 4 + is_y[:, 1]
    return x.astype(np.int64), (2 * is_y[:, 0] + is_y[:, 1]).astype(np.int64)


# ---------------------------------------------------------------------------------------------------
# Text and translation tasks (Chapter 9: language model, order-sensitive classification, seq2seq)

_ASCII_FOR = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
              "\u2014": "--", "\u2026": "...", "\u00df": "ss", "\u00b0": " degrees"}


def pydoc_corpus(fractions=(0.8, 0.1, 0.1)):
    """The Python documentation shipped with the standard library as a character corpus.

    The entries of ``pydoc_data.topics.topics`` are joined in sorted key order with a blank line
    between them; typographic quotes and dashes become ASCII and any other non-ASCII character
    becomes "?", so the alphabet is printable ASCII plus newline. The text is cut into consecutive
    train, validation and test spans of the given fractions (the test span is the end of the
    alphabet of topics, text the model never sees). The text is whatever this Python version
    ships (about 465,000 characters for 3.11), the same on every call.
    Returns (train, valid, test) strings.
    """
    from pydoc_data.topics import topics

    if len(fractions) != 3 or min(fractions) <= 0 or abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(f"expected three positive fractions summing to 1, got {fractions}")
    text = "\n\n".join(topics[key] for key in sorted(topics))
    text = "".join(_ASCII_FOR.get(c, c if c == "\n" or " " <= c <= "~" else "?") for c in text)
    first = round(fractions[0] * len(text))
    second = first + round(fractions[1] * len(text))
    return text[:first], text[first:second], text[second:]


SENTIMENT_WORDS = {
    "positive": ("good", "great", "fun", "clever", "moving", "charming"),
    "negative": ("bad", "dull", "boring", "clumsy", "weak", "tedious"),
    "negators": ("not", "never"),
    "modifiers": ("very", "really", "so", "quite", "truly", "that"),
    "fillers": ("the", "plot", "was", "acting", "and", "film", "ending", "music", "it", "felt"),
}


def negation_sentiment(n, seed=None, max_gap=2, p_negation=0.3):
    """A toy sentiment task in which word order matters: negation flips the next opinion word.

    A review is 1 or 3 clauses. A clause is some filler words, then with probability p_negation a
    negator ("not", "never"), then 0..max_gap modifiers ("very", "really", ...), then an opinion
    word from SENTIMENT_WORDS. Its polarity is the opinion word's, flipped by a negator. The
    label is 1 if most clauses are positive. A bag of words sees "not" and "good" but not whether
    they belong together; with modifiers in between, adjacent word pairs do not either.
    Returns (reviews, labels): a list of n strings of space-separated words, int64 array (n,).
    """
    if max_gap < 0:
        raise ValueError(f"expected max_gap >= 0, got {max_gap}")
    if not 0 <= p_negation <= 1:
        raise ValueError(f"expected 0 <= p_negation <= 1, got {p_negation}")
    rng = np.random.default_rng(seed)
    words = SENTIMENT_WORDS
    reviews, labels = [], np.zeros(n, dtype=np.int64)
    for i in range(n):
        tokens, votes = [], 0
        for _ in range(rng.choice([1, 3])):
            tokens += list(rng.choice(words["fillers"], size=rng.integers(1, 4)))
            negated = rng.random() < p_negation
            if negated:
                tokens.append(rng.choice(words["negators"]))
            tokens += list(rng.choice(words["modifiers"], size=rng.integers(0, max_gap + 1)))
            positive = rng.random() < 0.5
            tokens.append(rng.choice(words["positive" if positive else "negative"]))
            votes += 1 if positive != negated else -1
        reviews.append(" ".join(str(t) for t in tokens))
        labels[i] = votes > 0
    return reviews, labels


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def date_pairs(n, seed=None):
    """A synthetic translation task: dates written by people -> ISO 8601 (Chapter 9 seq2seq).

    Dates are drawn uniformly from 1950-01-01 to 2049-12-31 and written in one of five styles,
    e.g. "3 March 2021", "March 3, 2021", "3 Mar 2021", "03.03.2021", "Wednesday, 3 March 2021";
    the target is always "2021-03-03". Returns (sources, targets): two lists of n strings.
    """
    import datetime

    rng = np.random.default_rng(seed)
    first = datetime.date(1950, 1, 1).toordinal()
    days = rng.integers(first, datetime.date(2049, 12, 31).toordinal() + 1, size=n)
    styles = rng.integers(0, 5, size=n)
    sources, targets = [], []
    for day, style in zip(days, styles):
        d = datetime.date.fromordinal(int(day))
        month = _MONTHS[d.month - 1]
        sources.append((f"{d.day} {month} {d.year}",
                        f"{month} {d.day}, {d.year}",
                        f"{d.day} {month[:3]} {d.year}",
                        f"{d.day:02d}.{d.month:02d}.{d.year}",
                        f"{_WEEKDAYS[d.weekday()]}, {d.day} {month} {d.year}")[style])
        targets.append(d.isoformat())
    return sources, targets


def goog_close():
    """Daily closing prices of Google stock, 2004-08-19 to 2008-10-14 (1,047 trading days).

    Read offline from the sample data that matplotlib ships (``goog.npz``, from Yahoo Finance).
    Returns dates (datetime64[D]) and close (float64), both of shape (1047,).
    """
    from matplotlib import cbook

    prices = cbook.get_sample_data("goog.npz")["price_data"]
    return prices["date"].copy(), prices["close"].astype(np.float64)


def multi_seasonal(length, periods=(24, 168), seed=None):
    """A synthetic series with two interacting seasonal cycles, a wandering level and noise.

    Think of hourly demand: a daily cycle (period ``periods[0]``) whose peak is sharp rather than
    sinusoidal and whose amplitude a weekly cycle (``periods[1]``) modulates, on a level that drifts
    as a slow random walk, plus noise whose spread grows with the signal::

        y_t = level_t + (1 + 0.5 sin(2π t / P_2)) · s(t mod P_1) + (0.1 + 0.05 |s|) ε_t

    with s the daily profile (a narrow peak at 0.6 P_1 over a shallow trough), ε_t ~ N(0, 1).
    Returns y of shape (length,), float64.
    """
    if length < 1:
        raise ValueError(f"expected length >= 1, got {length}")
    p1, p2 = periods
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    phase = (t % p1) / p1
    daily = 2.0 * np.exp(-0.5 * ((phase - 0.6) / 0.08) ** 2) - 0.3 * np.cos(2 * np.pi * phase)
    weekly = 1 + 0.5 * np.sin(2 * np.pi * t / p2)
    level = np.cumsum(rng.normal(0, 0.02, size=length))
    noise = (0.1 + 0.05 * np.abs(daily)) * rng.normal(size=length)
    return level + weekly * daily + noise


def inject_anomalies(series, n_each=3, width=20, seed=None):
    """Copy ``series`` and inject anomalies of three kinds, ``n_each`` of each, at separate places.

    - spike: one step moved by ±(4 to 6) standard deviations of the series;
    - level shift: ``width`` steps moved by ±(1.5 to 2) standard deviations;
    - pattern change: ``width`` steps replaced by a time-reversed copy of themselves (same values,
      same level and spread, but the shape of the cycle runs backwards).

    Anomalies start at least ``2 * width`` steps apart and away from the ends.
    Returns the new series, a boolean mask (True on anomalous steps) and a list of
    (kind, start, stop) events.
    """
    series = np.asarray(series, dtype=np.float64)
    n_events = 3 * n_each
    if series.ndim != 1 or len(series) < 2 * width * (n_events + 2):
        raise ValueError(f"expected a 1-D series of at least {2 * width * (n_events + 2)} steps for "
                         f"{n_events} anomalies of width {width}, got shape {series.shape}")
    rng = np.random.default_rng(seed)
    slots = rng.choice(np.arange(1, len(series) // (2 * width) - 1), size=n_events, replace=False)
    starts = np.sort(slots) * 2 * width + rng.integers(0, width // 2 + 1, size=n_events)
    kinds = rng.permutation(["spike"] * n_each + ["level shift"] * n_each + ["pattern"] * n_each)
    out, mask, events = series.copy(), np.zeros(len(series), dtype=bool), []
    scale = series.std()
    for kind, start in zip(kinds, starts):
        sign = rng.choice([-1.0, 1.0])
        if kind == "spike":
            stop = start + 1
            out[start] += sign * rng.uniform(4, 6) * scale
        elif kind == "level shift":
            stop = start + width
            out[start:stop] += sign * rng.uniform(1.5, 2) * scale
        else:
            stop = start + width
            out[start:stop] = series[start:stop][::-1]
        mask[start:stop] = True
        events.append((str(kind), int(start), int(stop)))
    return out, mask, events


def sessions(n, n_items=60, kind="markov", length=(5, 15), noise=0.1, seed=None):
    """Synthetic browsing sessions (sequences of item ids 0..n_items−1) in which order matters.

    - ``kind="markov"``: a first-order chain; from each item the next is one of 3 successors
      (probabilities 0.6, 0.3, 0.1). The last item is all there is to know.
    - ``kind="journeys"``: 12 fixed "journeys", each a path of 20 items drawn from a catalogue of
      ``n_items``, so every item lies on several journeys with different successors; a session is a
      stretch of one journey. The next item depends on which journey the user is on, which only the
      earlier items reveal.

    With probability ``noise`` an item is replaced by a random one (popular items more likely).
    Session lengths are uniform in ``length`` (inclusive). The generator's structure (transition
    table, journeys) depends on ``seed`` alone, so two calls with the same seed share it.
    Returns a list of n int64 arrays.
    """
    if kind not in ("markov", "journeys"):
        raise ValueError(f"expected kind 'markov' or 'journeys', got {kind!r}")
    lo, hi = length
    if not 2 <= lo <= hi:
        raise ValueError(f"expected length (lo, hi) with 2 <= lo <= hi, got {length}")
    structure = np.random.default_rng(seed)
    rng = np.random.default_rng(None if seed is None else seed + 1)
    popularity = 1.0 / np.arange(1, n_items + 1)                 # Zipf-like item popularity
    popularity /= popularity.sum()
    if kind == "markov":
        successors = np.stack([structure.choice(n_items, size=3, replace=False)
                               for _ in range(n_items)])
    else:
        journeys = np.stack([structure.choice(n_items, size=20, replace=False) for _ in range(12)])
    out = []
    for _ in range(n):
        size = rng.integers(lo, hi + 1)
        if kind == "markov":
            items = [rng.choice(n_items, p=popularity)]
            for _ in range(size - 1):                            # noise inside the chain: the
                if rng.random() < noise:                         # next step starts from the
                    items.append(rng.choice(n_items, p=popularity))  # noisy item, so it stays
                else:                                            # first-order
                    items.append(successors[items[-1], rng.choice(3, p=[0.6, 0.3, 0.1])])
            items = np.array(items)
        else:
            start = rng.integers(0, 20 - size + 1)
            items = journeys[rng.integers(12), start:start + size].copy()
            replace = rng.random(size) < noise
            items[replace] = rng.choice(n_items, size=replace.sum(), p=popularity)
        out.append(items.astype(np.int64))
    return out
