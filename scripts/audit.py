"""`make lint`'s dependency audit: pip-audit over requirements.lock and npm audit over
frontend/package-lock.json, failing on any known vulnerability that is not on the reviewed
ignore list (scripts/audit-ignore.txt).

Both tools ask an advisory service (PyPI's per-release JSON for pip-audit, the npm
registry's bulk advisory endpoint for npm audit). Where that service can't be reached the
audit did NOT happen: this says so loudly on its own line ("AUDIT NOT RUN") and exits 0,
unless CRYPTOSHOP_AUDIT_REQUIRED=1, where it fails. It never reports "no vulnerabilities"
for an audit that didn't run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE_FILE = ROOT / "scripts" / "audit-ignore.txt"


@dataclass
class Outcome:
    tool: str
    ran: bool
    findings: list[str] = field(default_factory=list)
    note: str = ""


def ignored_ids() -> set[str]:
    """Advisory ids (PYSEC-…, GHSA-…, CVE-…) accepted after review, one per line with the
    reason after a '#'."""
    if not IGNORE_FILE.exists():
        return set()
    ids = set()
    for line in IGNORE_FILE.read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if text:
            ids.add(text)
    return ids


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True,  # noqa: S603
                          timeout=300, check=False)


def audit_python(ignore: set[str]) -> Outcome:
    exe = Path(sys.executable).with_name("pip-audit")
    proc = _run([str(exe), "-r", "requirements.lock", "--no-deps", "--disable-pip",
                 "--progress-spinner", "off", "--format", "json"], ROOT)
    try:
        report = json.loads(proc.stdout or "{}")
    except json.JSONDecodeError:
        return Outcome("pip-audit", False, note=(proc.stderr or proc.stdout).strip()[-300:])
    return read_pip_audit(report, ignore)


def read_pip_audit(report: dict, ignore: set[str]) -> Outcome:
    """pip-audit's JSON report: an audit that skipped every package did not run."""
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    if not audited:
        reason = deps[0]["skip_reason"] if deps else "no dependencies read"
        return Outcome("pip-audit", False, note=f"the advisory service did not answer ({reason})")
    findings = [f"{d['name']} {d.get('version')}: {v['id']} "
                f"(fixed in: {', '.join(v.get('fix_versions') or []) or 'no release yet'})"
                for d in audited for v in d.get("vulns", [])
                if v["id"] not in ignore and not set(v.get("aliases", [])) & ignore]
    skipped = len(deps) - len(audited)
    note = f"{len(audited)} packages audited" + (f", {skipped} not found" if skipped else "")
    return Outcome("pip-audit", True, findings, note)


def audit_node(ignore: set[str]) -> Outcome:
    proc = _run(["npm", "audit", "--json"], ROOT / "frontend")
    try:
        report = json.loads(proc.stdout or "{}")
    except json.JSONDecodeError:
        return Outcome("npm audit", False, note=(proc.stderr or proc.stdout).strip()[-300:])
    return read_npm_audit(report, ignore)


def read_npm_audit(report: dict, ignore: set[str]) -> Outcome:
    """npm audit's JSON report (v2); an error answer from the registry means it did not run."""
    if "vulnerabilities" not in report:
        message = report.get("message") or report.get("error", {}).get("summary", "")
        return Outcome("npm audit", False, note=f"the advisory service did not answer ({message})")
    findings = []
    for name, vuln in report.get("vulnerabilities", {}).items():
        for via in vuln.get("via", []):
            if isinstance(via, dict):
                advisory = str(via.get("url", "")).rsplit("/", 1)[-1]
                if advisory not in ignore:
                    findings.append(f"{name}: {advisory} {via.get('title', '')} "
                                    f"({via.get('severity')})")
    total = report.get("metadata", {}).get("dependencies", {}).get("total", "?")
    return Outcome("npm audit", True, findings, f"{total} packages audited")


def main() -> int:
    ignore = ignored_ids()
    required = os.environ.get("CRYPTOSHOP_AUDIT_REQUIRED") == "1"
    status = 0
    for outcome in (audit_python(ignore), audit_node(ignore)):
        if not outcome.ran:
            print(f"audit: AUDIT NOT RUN: {outcome.tool}: {outcome.note}")
            status = 1 if required else status
        elif outcome.findings:
            print(f"audit: {outcome.tool}: {len(outcome.findings)} known vulnerabilities:")
            for line in outcome.findings:
                print(f"  {line}")
            status = 1
        else:
            print(f"audit: {outcome.tool}: no known vulnerabilities ({outcome.note})")
    return status


if __name__ == "__main__":
    sys.exit(main())
