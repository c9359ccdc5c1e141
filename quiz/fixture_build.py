"""Building fixtures/content.json from the markdown banks (``manage.py build_fixtures``): the build itself,
the cache of rendered HTML that makes a rebuild fast, and the record of the last build that lets an
unchanged one be skipped."""

import contextlib
import hashlib
import importlib.metadata
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import django
from django.conf import settings

from quiz import answer_parts, bank_imports, content_report, importer, rendering


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    os.replace(tmp, path)


class RenderCache:
    """Rendered HTML by the hash of its markdown, kept between builds in ``path``: a rebuild renders only
    what changed (rendering is nearly all of a build's time). The key also hashes the renderer's source and
    the versions of the libraries it uses, so a change to either renders everything again."""

    LIBRARIES = ("markdown", "bleach", "pygments", "latex2mathml")

    def __init__(self, path: Path):
        self.path, self.used, self.rendered = path, {}, 0
        fingerprint = hashlib.sha256()
        package = Path(rendering.__file__).parent
        for module in sorted(package.rglob("*.py")):
            fingerprint.update(f"{module.relative_to(package).as_posix()}:".encode() + module.read_bytes())
        for name in self.LIBRARIES:
            with contextlib.suppress(importlib.metadata.PackageNotFoundError):
                fingerprint.update(f"{name}={importlib.metadata.version(name)};".encode())
        self.fingerprint = fingerprint.hexdigest()
        try:
            data = path.read_bytes()
            stored = json.loads(data)
        except (OSError, ValueError):
            data, stored = b"", {}
        # The file as it is on disk: the HTML in it is an input of the build like the markdown (LastBuild).
        self.digest = hashlib.sha256(data).hexdigest()
        self.stored = stored.get("html", {}) if stored.get("renderer") == self.fingerprint else {}

    def render(self, text: str) -> str:
        key = hashlib.sha256(text.encode()).hexdigest()
        if (html := self.stored.get(key)) is None:
            html, self.rendered = rendering.render_markdown(text), self.rendered + 1
        self.used[key] = html
        return html

    def save(self) -> None:
        """Keep what this build used (what no longer exists drops out); only when something was new."""
        if self.rendered or len(self.used) != len(self.stored):
            text = json.dumps({"renderer": self.fingerprint, "html": self.used})
            write_atomically(self.path, text)
            self.digest = hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class BankReport:
    """What the command prints about one bank: its summary rows and its findings."""

    slug: str
    title: str
    source: str
    licence: str
    rows: list[content_report.FileSummary]
    findings: list[importer.Finding]

    @classmethod
    def of(cls, slug: str, bank: importer.ParsedBank) -> "BankReport":
        rows, findings = content_report.summarize(bank), content_report.content_findings(bank)
        return cls(slug, bank.title, bank.source, bank.licence, rows, findings)

    def to_json(self) -> dict:
        findings = [[f.path, f.line, f.kind, f.message] for f in self.findings]
        return {**vars(self), "rows": [vars(row) for row in self.rows], "findings": findings}

    @classmethod
    def from_json(cls, data: dict) -> "BankReport":
        rows = [content_report.FileSummary(**row) for row in data["rows"]]
        findings = [importer.Finding(*finding) for finding in data["findings"]]
        return cls(**{**data, "rows": rows, "findings": findings})


class LastBuild:
    """The previous build, remembered beside the render cache in ``path``: a digest of what went in, a digest
    of the output it made, and its report. When the markdown and bank.toml (paths and bytes), the build's
    code and libraries, the rendered HTML it used and the output file on disk are all as they were, a rebuild
    would write the same bytes and print the same report, so neither is made again (nothing is parsed)."""

    def __init__(self, path: Path):
        self.path = path
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = {}
        self.stored = stored if isinstance(stored, dict) else {}

    @staticmethod
    def inputs(renders: RenderCache, sources: list[tuple[str, dict[str, bytes]]]) -> str:
        """A digest of everything a build reads: each bank's slug and files, the code that turns them into
        the output and the report (quiz/rendering/ and the libraries are in ``renders.fingerprint``), the
        Python and Django that run it, and the rendered HTML the cache holds."""
        digest = hashlib.sha256()

        def feed(*parts: str | bytes) -> None:  # length-prefixed, so no two inputs read alike
            for part in parts:
                data = part.encode() if isinstance(part, str) else part
                digest.update(b"%d:" % len(data) + data)

        feed(renders.fingerprint, renders.digest, sys.version, django.get_version(), settings.BUNDLED_BANK)
        quiz = Path(bank_imports.__file__).parent
        for path in build_code():
            feed(path.relative_to(quiz).as_posix(), path.read_bytes())
        for slug, files in sources:
            feed("bank", slug, str(len(files)))
            for name in sorted(files):
                feed(name, files[name])
        return digest.hexdigest()

    def reports(self, inputs: str, output: Path) -> list[BankReport] | None:
        """The previous build's report if it holds for these inputs and ``output`` is what it wrote."""
        if self.stored.get("inputs") != inputs:
            return None
        try:
            with output.open("rb") as handle:
                written = hashlib.file_digest(handle, "sha256").hexdigest()
        except OSError:
            return None
        if written != self.stored.get("output"):
            return None
        try:
            return [BankReport.from_json(report) for report in self.stored["reports"]]
        except (KeyError, TypeError, ValueError):  # edited by hand: build for real
            return None

    def remember(self, inputs: str, text: str, reports: list[BankReport]) -> None:
        self.stored = {
            "inputs": inputs,
            "output": hashlib.sha256(text.encode()).hexdigest(),
            "reports": [report.to_json() for report in reports],
        }
        write_atomically(self.path, json.dumps(self.stored))


def build_code() -> list[Path]:
    """The source files whose change can change what a build writes or reports (quiz/rendering/ is in
    RenderCache's fingerprint): the importer, the report, the key points, the bank records, this module."""
    modules = [Path(module.__file__) for module in (content_report, answer_parts, bank_imports)]
    return sorted([*Path(importer.__file__).parent.rglob("*.py"), *modules, Path(__file__)])


def build(sources: list[tuple[str, dict[str, bytes]]], renders: RenderCache) -> tuple[str, list[BankReport]]:
    """Parse and render every bank: the output's text and each bank's report (``importer.ContentError`` when
    the markdown has problems)."""
    records, reports = [], []
    for slug, files in sources:
        bank = importer.parse_bank(files)
        records += bank_imports.bank_records(
            slug, bank, bank_imports.bank_version(files), renderer=renders.render
        )
        reports.append(BankReport.of(slug, bank))
    return importer.dump_fixture(records), reports
