"""scripts/audit.py reads pip-audit's and npm audit's JSON reports (shapes as the tools
print them): a known vulnerability fails the audit unless its id is on the reviewed ignore
list, and an audit whose advisory service did not answer is reported as not run — never as
clean."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _audit() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit", ROOT / "scripts" / "audit.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["audit"] = module
    spec.loader.exec_module(module)
    return module


PIP_REPORT = {"dependencies": [
    {"name": "django", "version": "5.2.0", "vulns": [
        {"id": "PYSEC-2025-1", "fix_versions": ["5.2.1"], "aliases": ["CVE-2025-0001"],
         "description": "SQL injection"}]},
    {"name": "embit", "version": "0.8.0", "vulns": []},
], "fixes": []}

NPM_REPORT = {"auditReportVersion": 2, "vulnerabilities": {
    "esbuild": {"name": "esbuild", "severity": "moderate", "via": [
        {"source": 1102341, "name": "esbuild", "title": "dev server reads any file",
         "url": "https://github.com/advisories/GHSA-67mh-4wv8-2f99", "severity": "moderate"}]},
    "vite": {"name": "vite", "severity": "moderate", "via": ["esbuild"]},
}, "metadata": {"dependencies": {"total": 42}}}


def test_a_known_python_vulnerability_fails_unless_ignored() -> None:
    audit = _audit()
    found = audit.read_pip_audit(PIP_REPORT, set())
    assert found.ran and found.findings == [
        "django 5.2.0: PYSEC-2025-1 (fixed in: 5.2.1)"]
    assert audit.read_pip_audit(PIP_REPORT, {"CVE-2025-0001"}).findings == []
    assert audit.read_pip_audit(PIP_REPORT, {"PYSEC-2025-1"}).findings == []


def test_a_python_audit_that_skipped_everything_did_not_run() -> None:
    audit = _audit()
    report = {"dependencies": [
        {"name": "django", "skip_reason": "Dependency not found on PyPI and could not be "
                                          "audited: django (5.2.19)"}]}
    outcome = audit.read_pip_audit(report, set())
    assert not outcome.ran and "did not answer" in outcome.note


def test_a_known_node_vulnerability_fails_unless_ignored() -> None:
    audit = _audit()
    found = audit.read_npm_audit(NPM_REPORT, set())
    assert found.ran and found.findings == [
        "esbuild: GHSA-67mh-4wv8-2f99 dev server reads any file (moderate)"]
    assert audit.read_npm_audit(NPM_REPORT, {"GHSA-67mh-4wv8-2f99"}).findings == []


def test_a_registry_error_means_the_node_audit_did_not_run() -> None:
    audit = _audit()
    report = {"message": "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/"
                         "security/advisories/bulk", "statusCode": 405, "error": {}}
    outcome = audit.read_npm_audit(report, set())
    assert not outcome.ran and "405" in outcome.note


def test_the_ignore_list_reads_ids_and_skips_reasons(tmp_path: Path) -> None:
    audit = _audit()
    audit.IGNORE_FILE = tmp_path / "ignore.txt"
    audit.IGNORE_FILE.write_text("# header\nGHSA-xxxx-yyyy-zzzz  # dev only, until 2027-01\n\n")
    assert audit.ignored_ids() == {"GHSA-xxxx-yyyy-zzzz"}
