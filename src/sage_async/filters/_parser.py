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
    STRING     := "'" ( [^'] | "''" )* "'"  |  '"' ( [^"] | '""' )* '"'
    NUMBER     := "-"? DIGIT+ ("." DIGIT+)?
    IDENT      := [A-Za-z_][A-Za-z0-9_]*   (not a keyword)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final, NamedTuple

from sage_async._errors import FilterValueError, InvalidFilterError
from sage_async.filters._ast import Comparison, Literal, NullCheck, Where, and_, or_
from sage_async.filters._values import IDENTIFIER, KEYWORDS, NUMBER


MAX_DEPTH: Final = 100
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
        elif char in "'\"":
            value, end = _read_string(text, position)
            yield _Token("string", value, position)
            position = end
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

    def parse_or(self) -> Where:
        operands = [self.parse_and()]
        while self.at_keyword("OR"):
            self.advance()
            operands.append(self.parse_and())
        return or_(*operands)

    def parse_and(self) -> Where:
        operands = [self.parse_not()]
        while self.at_keyword("AND"):
            self.advance()
            operands.append(self.parse_not())
        return and_(*operands)

    def parse_not(self) -> Where:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"filter nested deeper than {MAX_DEPTH} levels")
        try:
            token = self.current
            if self.at_keyword("NOT"):
                self.advance()
                return ~self.parse_not()
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
    ``NOT`` and parentheses (precedence NOT > AND > OR), single- or double-quoted strings
    (a doubled quote inside stands for one), integers and decimals with an optional ``-``.
    Strings stay strings (a date-time is kept as its text), so ``parse(expr.render()) == expr``
    for every builder expression. ``NOT`` before a comparison flips its operator and ``!=`` is
    read as ``<>``, exactly as the builder does; redundant parentheses leave no trace.

    Args:
        text: the filter text, as it would be sent in the ``where`` query parameter.

    Returns:
        The expression tree.

    Raises:
        InvalidFilterError: the text is malformed, names a keyword as a field, holds a string
            the builder would refuse, or nests deeper than 100 levels; the message names the
            problem and its 0-based position.
    """
    if not isinstance(text, str):
        raise InvalidFilterError(f"a where filter must be a str, not {type(text).__name__}")
    return _Parser(text).parse()
