"""The review chapter (book/review/): every question id of the source documents has a card.

tests/question_ids.txt lists the 201 ids of /work/shared/seeds/questions.tsv (ids only). A card is
a MyST admonition of class ``qa`` in a page of book/review (``*.md``, or the markdown cells of a
``*.ipynb``), preceded by one label line per id it answers::

    (qa-interview-100-q17)=
    (qa-short-qa-20-q10)=
    :::{admonition} `interview-100/Q17` `short-qa-20/Q10` What do the sigmoid and tanh do?
    :class: qa

    The answer ...

    **Verdict on the source's answer** — `interview-100/Q17`: {bdg-success}`holds`; ...

    **Shown in:** {ref}`ch-gates`
    :::

For each id this test checks that it has exactly one card, with its label line and the id in
backticks in the card's title; that the card links into the book (a ``{ref}``, ``{numref}``,
``{doc}`` or ``{eq}`` role, or a markdown link); and that a card answering a claim of the sources
(the "Claim:" rows: ``chatgpt-review/K*``, ``notes-overview/APP*``, ``/A*``, ``/D*``) gives that id
a verdict badge: {bdg-success}`holds`, {bdg-warning}`holds with caveats` or {bdg-danger}`wrong`.
It also fails when a page labels or titles an id that is not in the list.

Whether the links resolve (labels, documents, equations, heading anchors) is not checked here: the
strict build (``jupyter-book build -W -n``, nitpicky with warnings as errors) fails on a missing
target, and the browser suite checks every anchor of the built pages.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REVIEW = ROOT / "book" / "review"
IDS = (ROOT / "tests" / "question_ids.txt").read_text().split()

LABEL = re.compile(r"^\(qa-([a-z0-9-]+)\)=\s*$")
OPEN = re.compile(r"^(:{3,})\{admonition\}\s*(.*)$")
TITLE_ID = re.compile(r"`([a-z][a-z0-9-]*/[A-Z]+\d+)`")
LINK = re.compile(r"\{(?:ref|numref|doc|eq)\}`[^`]+`|\]\([^)\s]+\)")
BADGE = r"\{bdg-(success|warning|danger)\}`([^`]+)`"
BADGE_TEXT = {"success": "holds", "warning": "holds with caveats", "danger": "wrong"}
CLAIM = re.compile(r"^(chatgpt-review/K\d+|notes-overview/(APP|A|D)\d+)$")


def label_of(question_id):
    """``interview-100/Q7`` -> ``qa-interview-100-q7``."""
    return "qa-" + question_id.lower().replace("/", "-")


def page_texts():
    """(page name, markdown text) for every page of book/review."""
    for path in sorted(REVIEW.glob("*.md")):
        yield path.name, path.read_text(encoding="utf-8")
    for path in sorted(REVIEW.glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        yield path.name, "\n\n".join("".join(cell["source"]) for cell in cells
                                     if cell["cell_type"] == "markdown")


def parse_cards():
    """Every card: dict(page, labels, title_ids, title, body, options)."""
    cards = []
    for page, text in page_texts():
        lines = text.splitlines()
        i = 0
        while i < len(lines):
            match = OPEN.match(lines[i])
            if not match:
                i += 1
                continue
            fence, title = match.groups()
            labels, j = [], i - 1
            while j >= 0 and LABEL.match(lines[j]):
                labels.insert(0, LABEL.match(lines[j]).group(1))
                j -= 1
            end = i + 1
            while end < len(lines) and lines[end].strip() != fence:
                end += 1
            block = lines[i + 1:end]
            options = [line for line in block if line.startswith(":")]
            body = "\n".join(line for line in block if not line.startswith(":"))
            if any(re.match(r":class:.*\bqa\b", option) for option in options):
                cards.append(dict(page=page, labels=["qa-" + label for label in labels],
                                  title=title, title_ids=TITLE_ID.findall(title), body=body))
            i = end + 1
    return cards


CARDS = parse_cards()


def cards_for(question_id):
    return [card for card in CARDS
            if label_of(question_id) in card["labels"] or question_id in card["title_ids"]]


def test_the_id_list_is_complete():
    assert len(IDS) == 201 and len(set(IDS)) == 201


@pytest.mark.parametrize("question_id", IDS)
def test_every_id_has_one_card(question_id):
    found = cards_for(question_id)
    assert len(found) == 1, f"{question_id}: {len(found)} cards ({[c['page'] for c in found]})"
    card = found[0]
    assert label_of(question_id) in card["labels"], \
        f"{question_id}: no label line ({label_of(question_id)})= right above its card"
    assert question_id in card["title_ids"], f"{question_id}: not in backticks in the card title"
    assert LINK.search(card["body"]), f"{question_id}: the card links nowhere into the book"
    for colour, text in re.findall(BADGE, card["body"]):
        assert text == BADGE_TEXT[colour], f"{question_id}: badge {colour} reads {text!r}"
    if CLAIM.match(question_id):
        if len(card["title_ids"]) == 1:
            verdict = re.search(BADGE, card["body"])
        else:                         # "`a`: badge; `b`: badge", or "`a` and `b`: badge"
            verdict = re.search("`" + re.escape(question_id) + "`(?:(?!\\{bdg-).){0,200}?" + BADGE,
                                card["body"], re.S)
        assert verdict, f"{question_id} is a claim: its card gives it no verdict badge"


def test_cards_name_only_listed_ids():
    known = set(IDS)
    labels = {label_of(question_id) for question_id in IDS}
    problems = []
    for card in CARDS:
        problems += [(card["page"], label) for label in card["labels"] if label not in labels]
        problems += [(card["page"], qid) for qid in card["title_ids"] if qid not in known]
        problems += [(card["page"], f"label {label} without its id in the title")
                     for label in card["labels"]
                     if label not in {label_of(qid) for qid in card["title_ids"]}]
    for page, text in page_texts():       # a stray label line outside a card
        for label in re.findall(r"^\((qa-[a-z0-9-]+)\)=", text, re.M):
            if label not in labels:
                problems.append((page, label))
    assert problems == []
