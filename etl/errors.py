"""The one error type of the ETL: it names the file and line, and what was expected there."""

from __future__ import annotations

from pathlib import Path


class ReportError(Exception):
    """A report that cannot be read faithfully. The build stops; the live store is untouched."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else f"{self.path}"
        super().__init__(f"{where}: {message}")

    def __reduce__(self):
        return (ReportError, (self.path, self.line, self.message))


class ValidationFailed(Exception):
    """The RDF of a build violates the SHACL shapes; carries pyshacl's readable report."""

    def __init__(self, report_text: str, violations: int) -> None:
        self.report_text = report_text
        self.violations = violations
        super().__init__(f"SHACL validation failed with {violations} violation(s)")

    def __reduce__(self):  # travels back from the validation process
        return (ValidationFailed, (self.report_text, self.violations))
