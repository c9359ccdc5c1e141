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

    def characters(self) -> int:
        """How many characters of LaTeX the formulas have: each makes an element or two of MathML."""
        return sum(len(formula.latex) for formula in self.formulas)

    def put_back(self, rendered: str, cleaner) -> str:
        """``rendered`` with each token replaced by its formula, cleaned by ``cleaner``."""
        if not self.formulas:
            return rendered
        pattern = re.compile(rf"mathtoken{self.nonce}x(\d+)x")
        return pattern.sub(lambda m: _mathml(self.formulas[int(m.group(1))], cleaner), rendered)


# latex2mathml does not know \arg (it wrote "\arg" as a variable): \arg\min and \arg\max are its \argmin
# and \argmax, a lone \arg an operator name.
_ARG = re.compile(r"\\arg(?![a-zA-Z])(\s*\\(min|max)(?![a-zA-Z]))?")
# Function names latex2mathml writes as <mi> (\log, \sin, ...), alone or with a subscript. TeX puts a thin
# space between such a name and what it applies to, unless that is a bracket: without it "\log p" reads
# "logp".
_FUNCTION = re.compile(
    r"(<mi>(?:log|lg|ln|exp|sin|cos|tan|cot|sec|csc|sinh|cosh|tanh|coth|arcsin|arccos|arctan)</mi>"
    r"|<msub><mi>(?:log|lg)</mi>(?:<mn>[^<]*</mn>|<mi>[^<]*</mi>|<mrow>(?:<m[ion]>[^<]*</m[ion]>)*</mrow>)</msub>)"
    r"(?!</|<mo stretchy=\"false\">&#x0002[89];|<mo stretchy=\"false\">&#x0005[BD];)"
)
THIN_SPACE = '<mspace width="0.1667em"></mspace>'


def _arg(match: re.Match) -> str:
    return f"\\arg{match.group(2)}" if match.group(2) else "\\operatorname{arg}"


def _mathml(formula: _Formula, cleaner) -> str:
    """The formula as sanitised MathML, or its source as code when latex2mathml cannot read it. Each is
    cleaned on its own, so each comes out balanced (latex2mathml passes "<" in \\text through unescaped).
    A display formula wider than the column scrolls inside a box that takes focus, so a keyboard can scroll
    it too (and a screen reader names it)."""
    try:
        display = "block" if formula.display else "inline"
        mathml = latex2mathml.converter.convert(_ARG.sub(_arg, formula.latex), display=display)
    except Exception:  # latex2mathml's parser on hostile input: any failure means "show the source"
        return f"<code>{html.escape(formula.source, quote=False)}</code>"
    cleaned = cleaner.clean(_FUNCTION.sub(lambda m: m.group(1) + THIN_SPACE, mathml))
    if formula.display:
        return f'<span class="maths-display" tabindex="0" role="group" aria-label="Formula">{cleaned}</span>'
    return cleaned
