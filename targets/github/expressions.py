"""User text inside workflow strings.

GitHub evaluates `${{ ... }}` anywhere in most workflow string values (`run`, `env`, `with`,
`name`, matrix values, ...). A user string must land literally, so every `${{` in it is replaced
by the expression `${{ '${{' }}`, whose value is the two characters `${{` again: the expression
lexer reads the quoted literal, finds no `}}` inside it, and the text after it is plain. Nothing
else in a user string can open an expression, so the result evaluates to exactly the user's text.
"""

from __future__ import annotations

OPEN = "${{"
# An expression whose value is the string `${{` (a single-quoted literal; no quote to double).
ESCAPED_OPEN = "${{ '${{' }}"


def literal(text: str) -> str:
    """`text` written so that GitHub's expression evaluation gives back `text` itself."""
    return text.replace(OPEN, ESCAPED_OPEN)
