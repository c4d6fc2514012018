"""Routing in an online questionnaire: the `voorwaarde` of a question, a tiny language of its
own, parsed here and never evaluated by Python's eval.

    v3 = 1            v3 != 1  (also <>)       v3 >= 5   (also <, <=, >)
    v3 in (1, 2)      v3 niet in (8, 9)
    v3 = 1 en v4 > 2  v3 = 1 of v4 = 1 (and/or also; 'en' binds first; parentheses group)

A name is a question's variable name (a multiple-response item counts 1 when chosen, 0 when
not); a number may use a decimal comma. A question without an answer makes every comparison
about it false, also '!=' (as in SQL), so a skipped question skips what depends on it. Used
by the app (checking a questionnaire) and by the public door (which questions to show); the
door imports nothing of the app, so this module lives in its package.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

MAX_LENGTH = 500
TOKEN = re.compile(r"\s*(?:(?P<number>-?\d+(?:\.\d+)?)|(?P<op><>|!=|<=|>=|=|<|>)"
                   r"|(?P<paren>[(),])|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))")
# After a comparison a decimal comma is a decimal ('v5 >= 7,5'); in a list it separates.
COMMA_NUMBER = re.compile(r"\s*(?P<number>-?\d+,\d+)")
COMPARE = {"=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<>": lambda a, b: a != b,
           "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
           ">=": lambda a, b: a >= b}
AND = {"en", "and"}
OR = {"of", "or"}
NOT = {"niet", "not"}


class ConditionError(ValueError):
    """A condition that cannot be read, with a Dutch message."""


@dataclass(frozen=True)
class Comparison:
    """`name op value`, or `name in values` (negated for 'niet in')."""
    name: str
    op: str
    values: tuple[float, ...]

    def holds(self, answers: Mapping[str, object]) -> bool:
        value = answers.get(self.name)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return False
        if self.op == "in":
            return value in self.values
        if self.op == "niet in":
            return value not in self.values
        return COMPARE[self.op](value, self.values[0])


@dataclass(frozen=True)
class Junction:
    """All parts hold ('en') or any part holds ('of')."""
    kind: str
    parts: tuple

    def holds(self, answers: Mapping[str, object]) -> bool:
        results = (part.holds(answers) for part in self.parts)
        return all(results) if self.kind == "en" else any(results)


def _tokens(text: str) -> list[tuple[str, str]]:
    """(kind, text) of every token, or a ConditionError naming what is not understood."""
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = (tokens and tokens[-1][0] == "op" and COMMA_NUMBER.match(text, position)) \
            or TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ConditionError(f"'{text[position:position + 20].strip()}' in de voorwaarde "
                                 "is niet te lezen.")
        kind = match.lastgroup
        assert kind is not None  # every alternative is a named group
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent over the tokens: or-expression of and-expressions of comparisons."""

    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens, self.at = tokens, 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ConditionError("De voorwaarde houdt te vroeg op.")
        self.at += 1
        return token

    def word(self, words: set[str]) -> bool:
        token = self.peek()
        if token is not None and token[0] == "word" and token[1].lower() in words:
            self.at += 1
            return True
        return False

    def expression(self):
        parts = [self.conjunction()]
        while self.word(OR):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Junction("of", tuple(parts))

    def conjunction(self):
        parts = [self.comparison()]
        while self.word(AND):
            parts.append(self.comparison())
        return parts[0] if len(parts) == 1 else Junction("en", tuple(parts))

    def comparison(self):
        kind, text = self.take()
        if (kind, text) == ("paren", "("):
            inner = self.expression()
            self.expect(")")
            return inner
        if kind != "word" or text.lower() in AND | OR | NOT | {"in"}:
            raise ConditionError(f"In de voorwaarde staat '{text}' waar een vraag (naam) "
                                 "hoort.")
        name = text
        if self.word(NOT):
            if not self.word({"in"}):
                raise ConditionError("Na 'niet' hoort 'in' in de voorwaarde.")
            return Comparison(name, "niet in", self.number_list())
        if self.word({"in"}):
            return Comparison(name, "in", self.number_list())
        op_kind, op = self.take()
        if op_kind != "op":
            raise ConditionError(f"Na '{name}' hoort in de voorwaarde =, !=, <, <=, > of >=.")
        return Comparison(name, op, (self.number(),))

    def number(self) -> float:
        kind, text = self.take()
        if kind != "number":
            raise ConditionError(f"In de voorwaarde staat '{text}' waar een getal hoort.")
        return float(text.replace(",", "."))

    def number_list(self) -> tuple[float, ...]:
        self.expect("(")
        values = [self.number()]
        while self.peek() == ("paren", ","):
            self.at += 1
            values.append(self.number())
        self.expect(")")
        return tuple(values)

    def expect(self, paren: str) -> None:
        if self.take() != ("paren", paren):
            raise ConditionError(f"In de voorwaarde ontbreekt '{paren}'.")


def parse(text: str):
    """A condition as a tree whose `holds(answers)` says whether the question is asked; a
    ConditionError (Dutch) when it cannot be read."""
    if len(text) > MAX_LENGTH:
        raise ConditionError(f"Een voorwaarde is hoogstens {MAX_LENGTH} tekens.")
    parser = _Parser(_tokens(text))
    if not parser.tokens:
        raise ConditionError("De voorwaarde is leeg.")
    tree = parser.expression()
    extra = parser.peek()
    if extra is not None:
        raise ConditionError(f"In de voorwaarde staat '{extra[1]}' te veel.")
    return tree


def names(tree) -> set[str]:
    """The question names a condition refers to."""
    if isinstance(tree, Comparison):
        return {tree.name}
    return set().union(*(names(part) for part in tree.parts))


def asked(condition: str | None, answers: Mapping[str, object]) -> bool:
    """Whether a question with this condition (None: always) is asked, given the answers."""
    return condition is None or parse(condition).holds(answers)
