"""The README quotes its figures from one benchmark run, the one written to docs/bench-results.md."""

from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def tables(text: str) -> dict[str, list[str]]:
    """Each markdown table of ``text``: its header line -> its body rows."""
    found: dict[str, list[str]] = {}
    header = None
    lines = text.splitlines()
    for line, following in zip(lines, [*lines[1:], ""], strict=True):
        if not line.startswith("|"):
            header = None
        elif header is None and following.startswith("|---"):
            header = line
            found.setdefault(header, [])
        elif header is not None and not line.startswith("|---"):
            found[header].append(line)
    return found


def test_every_benchmark_table_the_readme_shares_with_the_results_file_quotes_its_rows():
    readme, results = (
        tables((ROOT / "README.md").read_text()),
        tables((ROOT / "docs/bench-results.md").read_text()),
    )
    shared = readme.keys() & results.keys()
    assert len(shared) >= 2  # the matcher's accuracy and its time per call
    differ = {header: [row for row in readme[header] if row not in results[header]] for header in shared}
    assert {header: rows for header, rows in differ.items() if rows} == {}
