"""Formulas: kept away from markdown as opaque tokens, then rendered to MathML with latex2mathml and cleaned
by a cleaner that allows only the MathML latex2mathml writes."""

import html
import re
import secrets
from dataclasses import dataclass

import latex2mathml.converter


@dataclass
class _Formula:
    latex: str
    display: bool
    source: str  # as typed, delimiters included: shown as code when it does not convert


class Maths:
    """Formulas taken out of the markdown, each replaced by a token that markdown and bleach leave alone."""

    def __init__(self) -> None:
        self.nonce = secrets.token_hex(6)  # per render: typed text cannot forge a token
        self.formulas: list[_Formula] = []

    def token(self, latex: str, display: bool, source: str) -> str:
        self.formulas.append(_Formula(latex, display, source))
        return f"mathtoken{self.nonce}x{len(self.formulas) - 1}x"

    def put_back(self, rendered: str, cleaner) -> str:
        """``rendered`` with each token replaced by its formula, cleaned by ``cleaner``."""
        if not self.formulas:
            return rendered
        pattern = re.compile(rf"mathtoken{self.nonce}x(\d+)x")
        return pattern.sub(lambda m: _mathml(self.formulas[int(m.group(1))], cleaner), rendered)


def _mathml(formula: _Formula, cleaner) -> str:
    """The formula as sanitised MathML, or its source as code when latex2mathml cannot read it. Each is
    cleaned on its own, so each comes out balanced (latex2mathml passes "<" in \\text through unescaped)."""
    try:
        display = "block" if formula.display else "inline"
        mathml = latex2mathml.converter.convert(formula.latex, display=display)
    except Exception:  # latex2mathml's parser on hostile input: any failure means "show the source"
        return f"<code>{html.escape(formula.source, quote=False)}</code>"
    return cleaner.clean(mathml)
