"""
The parser of ``where`` texts: a hand-written tokenizer and a recursive-descent parser.

Strictly private; :func:`parse` is re-exported from :mod:`sage_async.filters`. Grammar
(keywords case-insensitive, whitespace is space, tab, CR, LF)::

    where      := or EOF
    or         := and ("OR" and)*
    and        := not ("AND" not)*
    not        := "NOT" not | "(" or ")" | predicate
    predicate  := IDENT ( cmp value | ["NOT"] "LIKE" value | "IS" ["NOT"] "NULL" )
    cmp        := "=" | "<>" | "!=" | "<" | "<=" | ">" | ">="
    value      := STRING | NUMBER
    STRING     := "'" ( [^'] | "''" )* "'"
    NUMBER     := "-"? DIGIT+ ("." DIGIT+)?            (at most 1000 characters)
    IDENT      := [A-Za-z_][A-Za-z0-9_]*   (not a keyword)

A double-quoted ``"text"`` is refused: in SQL it names a column (an identifier), not a string.
The tree a text builds nests at most :data:`~sage_async.filters._ast.MAX_DEPTH` levels, like a
built one; parentheses and NOTs, which may leave no node, nest at most twice that, which every
built tree's rendering fits and keeps the recursive descent far from Python's recursion limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final, NamedTuple

from sage_async._errors import FilterValueError, InvalidFilterError
from sage_async.filters._ast import MAX_DEPTH, Comparison, Literal, NullCheck, Where, and_, or_
from sage_async.filters._values import IDENTIFIER, KEYWORDS, NUMBER, quote


# Parentheses and NOTs around a node: NOT (NOT (...)) takes two levels per tree level, and the
# top-level OR one more, so every tree of MAX_DEPTH levels renders within this nesting.
MAX_NESTING: Final = 2 * MAX_DEPTH + 1
_SPACE: Final = frozenset(" \t\r\n")
_OPERATORS: Final = ("<>", "!=", "<=", ">=", "=", "<", ">")  # longest first


class _Token(NamedTuple):
    kind: str  # "ident", "keyword", "string", "number", "op", "(", ")", "end"
    text: str  # keyword upper-cased, string decoded, operator as written
    position: int

    def describe(self) -> str:
        if self.kind == "end":
            return "the end of the filter"
        if self.kind == "string":
            return f"string {self.text!r}"
        return repr(self.text)


def _tokenize(text: str) -> Iterator[_Token]:
    # A generator, so that the parser reports the first problem in reading order.
    position = 0
    length = len(text)
    while position < length:
        char = text[position]
        if char in _SPACE:
            position += 1
        elif char in "()":
            yield _Token(char, char, position)
            position += 1
        elif char == "'":
            value, end = _read_string(text, position)
            yield _Token("string", value, position)
            position = end
        elif char == '"':
            value, _end = _read_string(text, position)
            raise InvalidFilterError(
                'double-quoted text: in SQL "..." names a column, it is not a string; write '
                f"the value in single quotes, as {_suggest(value)}",
                text=text,
                position=position,
            )
        elif (number := NUMBER.match(text, position)) is not None:
            if (after := number.end()) < length and (text[after].isalnum() or text[after] in "_."):
                raise InvalidFilterError("malformed number", text=text, position=position)
            yield _Token("number", number.group(), position)
            position = after
        elif (ident := IDENTIFIER.match(text, position)) is not None:
            word = ident.group()
            if word.upper() in KEYWORDS:
                yield _Token("keyword", word.upper(), position)
            else:
                yield _Token("ident", word, position)
            position = ident.end()
        else:
            for op in _OPERATORS:
                if text.startswith(op, position):
                    yield _Token("op", op, position)
                    position += len(op)
                    break
            else:
                raise InvalidFilterError(
                    f"unexpected character {char!r}", text=text, position=position
                )
    yield _Token("end", "", length)


def _read_string(text: str, start: int) -> tuple[str, int]:
    quote = text[start]
    parts: list[str] = []
    position = start + 1
    while True:
        close = text.find(quote, position)
        if close == -1:
            raise InvalidFilterError("unterminated string literal", text=text, position=start)
        parts.append(text[position:close])
        if text.startswith(quote, close + 1):  # a doubled quote stands for one quote
            parts.append(quote)
            position = close + 2
        else:
            return "".join(parts), close + 1


def _suggest(value: str) -> str:
    literal = quote(value)
    return literal if len(literal) <= 60 else f"{literal[:50]}...'"


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.current = next(self.tokens)
        self.depth = 0

    def advance(self) -> _Token:
        token = self.current
        if token.kind != "end":
            self.current = next(self.tokens)
        return token

    def at_keyword(self, *words: str) -> bool:
        return self.current.kind == "keyword" and self.current.text in words

    def fail(self, message: str) -> InvalidFilterError:
        return InvalidFilterError(message, text=self.text, position=self.current.position)

    def parse(self) -> Where:
        if self.current.kind == "end":
            raise self.fail("empty filter")
        expr = self.parse_or()
        if self.current.kind != "end":
            raise self.fail(f"unexpected {self.current.describe()}; expected AND, OR or the end")
        return expr

    def build(self, start: int, node: Callable[[], Where]) -> Where:
        """Build a node; a tree deeper than MAX_DEPTH is refused where its group starts."""
        try:
            return node()
        except FilterValueError as exc:
            raise InvalidFilterError(str(exc), text=self.text, position=start) from None

    def parse_or(self) -> Where:
        start = self.current.position
        operands = [self.parse_and()]
        while self.at_keyword("OR"):
            self.advance()
            operands.append(self.parse_and())
        return self.build(start, lambda: or_(*operands))

    def parse_and(self) -> Where:
        start = self.current.position
        operands = [self.parse_not()]
        while self.at_keyword("AND"):
            self.advance()
            operands.append(self.parse_not())
        return self.build(start, lambda: and_(*operands))

    def parse_not(self) -> Where:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.fail(f"filter nested deeper than {MAX_NESTING} parentheses and NOTs")
        try:
            token = self.current
            if self.at_keyword("NOT"):
                self.advance()
                operand = self.parse_not()
                return self.build(token.position, lambda: ~operand)
            if token.kind == "(":
                self.advance()
                expr = self.parse_or()
                if self.current.kind != ")":
                    raise self.fail(
                        f"expected ')' to close the '(' at position {token.position}, "
                        f"found {self.current.describe()}"
                    )
                self.advance()
                return expr
            return self.parse_predicate()
        finally:
            self.depth -= 1

    def parse_predicate(self) -> Where:
        token = self.current
        if token.kind != "ident":
            raise self.fail(f"expected a field name, found {token.describe()}")
        self.advance()
        field = token.text
        following = self.current
        if following.kind == "op":
            self.advance()
            op = "<>" if following.text == "!=" else following.text
            return Comparison(field, op, self.parse_value(field, op))
        if self.at_keyword("LIKE"):
            self.advance()
            return Comparison(field, "LIKE", self.parse_value(field, "LIKE"))
        if self.at_keyword("NOT"):
            self.advance()
            if not self.at_keyword("LIKE"):
                raise self.fail(f"expected LIKE after {field} NOT, found {self.current.describe()}")
            self.advance()
            return Comparison(field, "NOT LIKE", self.parse_value(field, "NOT LIKE"))
        if self.at_keyword("IS"):
            self.advance()
            negated = self.at_keyword("NOT")
            if negated:
                self.advance()
            if not self.at_keyword("NULL"):
                raise self.fail(f"expected NULL after {field} IS, found {self.current.describe()}")
            self.advance()
            return NullCheck(field, negated)
        raise self.fail(
            f"expected an operator (= <> != < <= > >= LIKE NOT LIKE IS) after field {field!r}, "
            f"found {following.describe()}"
        )

    def parse_value(self, field: str, op: str) -> Literal:
        token = self.current
        if self.at_keyword("NULL"):
            raise self.fail(f"{field} {op} NULL is never true; use {field} IS [NOT] NULL")
        if token.kind not in ("string", "number"):
            raise self.fail(
                f"expected a quoted string or a number after {field} {op}, found {token.describe()}"
            )
        if op.endswith("LIKE") and token.kind != "string":
            raise self.fail(f"{op} for field {field!r} needs a quoted pattern")
        try:
            literal = Literal("string" if token.kind == "string" else "number", token.text)
        except FilterValueError as exc:
            raise self.fail(f"value for field {field!r} refused: {exc}") from None
        self.advance()
        return literal


def parse(text: str) -> Where:
    """
    Parse a Sales Management ``where`` text into a :class:`Where`.

    Accepts everything the builder renders and the documented examples: ``=``, ``<>``, ``!=``,
    ``<``, ``<=``, ``>``, ``>=``, ``LIKE``, ``NOT LIKE``, ``IS [NOT] NULL``, ``AND``, ``OR``,
    ``NOT`` and parentheses (precedence NOT > AND > OR), single-quoted strings (a doubled quote
    inside stands for one), integers and decimals with an optional ``-``. A double-quoted
    string is refused: SQL reads ``"text"`` as a column name, so the server could compare with
    a column or fail (error 901) instead of comparing with the text.
    Strings stay strings (a date-time is kept as its text), so ``parse(expr.render()) == expr``
    for every builder expression. ``NOT`` before a comparison flips its operator and ``!=`` is
    read as ``<>``, exactly as the builder does; redundant parentheses leave no trace.

    Args:
        text: the filter text, as it would be sent in the ``where`` query parameter.

    Returns:
        The expression tree.

    Raises:
        InvalidFilterError: the text is malformed, names a keyword as a field, holds a
            double-quoted string or a value the builder would refuse, or builds a tree nested
            deeper than 100 levels (the builder's limit); the message names the problem and its
            0-based position.
    """
    if not isinstance(text, str):
        raise InvalidFilterError(f"a where filter must be a str, not {type(text).__name__}")
    try:
        return _Parser(text).parse()
    except RecursionError:
        # MAX_NESTING keeps the descent to about 600 frames; only a caller already near the
        # recursion limit gets here.
        raise InvalidFilterError(
            "filter nested deeper than can be parsed here", text=text, position=None
        ) from None
