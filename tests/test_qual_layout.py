"""The coding view's layout: blocks per turn, segments cut at every coding edge."""

from __future__ import annotations

from research.qual import layout

TEXT = "A: een twee drie\n\nB: vier vijf"
TURNS = [{"start_pos": 3, "end_pos": 16, "speaker": "A"},
         {"start_pos": 21, "end_pos": 30, "speaker": "B"}]
CODINGS = [{"start_pos": 3, "end_pos": 11}, {"start_pos": 7, "end_pos": 25}]


def test_blocks_cut_at_every_edge_and_show_overlaps():
    result = layout.blocks(TEXT, TURNS, CODINGS, selection=(26, 30))
    assert result == [
        {"segments": [[0, "A: ", [], False], [3, "een ", [0], False], [7, "twee", [0, 1], False],
                      [11, " drie", [1], False]],
         "margin": [0, 1], "speaker": "A", "turn": [3, 16]},
        {"segments": [[18, "B: vier", [1], False], [25, " ", [], False],
                      [26, "vijf", [], True]],
         "margin": [1], "speaker": "B", "turn": [21, 30]}]
    # Every character except the line breaks between turns is shown exactly once.
    shown = "".join(seg[1] for block in result for seg in block["segments"])
    assert shown == TEXT.replace("\n\n", "")


def test_without_turns_one_block():
    assert layout.blocks("abc", [], []) == [
        {"segments": [[0, "abc", [], False]], "margin": [], "speaker": None, "turn": [0, 3]}]


def test_sentence_at_and_trim():
    sentences = [{"start_pos": 0, "end_pos": 5}, {"start_pos": 6, "end_pos": 9}]
    assert layout.sentence_at(sentences, 7) == (6, 9)
    assert layout.sentence_at(sentences, 5) is None
    assert layout.trim(" ab \n", 0, 5) == (1, 3)
    assert layout.trim("   ", 0, 3) == (3, 3)


def test_the_margin_says_whose_coding_when_several_coders_show():
    """The same code given by two coders was two equal chips; each now says whose (issue
    17). With one coder the chip is the code alone."""
    one = [{"code": "Steun", "coder": "anne"}, {"code": "Wonen", "coder": "anne"}]
    assert layout.chip_labels(one) == ["Steun", "Wonen"]
    two = [{"code": "Steun", "coder": "anne"}, {"code": "Steun", "coder": "Bart de Boer"},
           {"code": "Wonen", "coder": None}]
    assert layout.chip_labels(two) == ["Steun · anne", "Steun · Bart de Boer",
                                       "Wonen · onbekend"]
