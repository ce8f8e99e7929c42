"""Start-up of `scalar eval`: whole-process wall time of a one-question run, side by side.

Rows, interleaved round by round (the machine is shared: medians of ``--runs`` rounds):
  python -c pass                 the interpreter alone
  scalar eval baseline/random    target < 2 s: no litellm, scipy or numba is imported
  scalar eval local/fbi-llm      target < 2 s: a tiny checkpoint, so the time is start-up, not the model
  scalar eval openai/... (API)   against a loopback OpenAI-compatible server that answers at once
  inspect eval (API)             inspect_ai, same server, a one-sample task: the API target is ratio <= 1

Usage: python benchmarks/bench_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # measure this tree, whichever checkout is installed
sys.path.insert(0, str(ROOT / "tests" / "evaluate"))

INSPECT_TASK = '''
from inspect_ai import Task, task
from inspect_ai.dataset import Sample
from inspect_ai.scorer import includes
from inspect_ai.solver import generate


@task
def one():
    return Task(dataset=[Sample(input={prompt!r}, target="0")], solver=generate(), scorer=includes())
'''


def timed(cmd: list[str], env: dict, cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one process. On a loaded machine the CPU time (user + sys) is
    close to what the wall time would be on an idle one: start-up is mostly one thread importing."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)
    took = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"bench_startup: {' '.join(cmd[:6])} ... failed:\n{proc.stderr[-1500:]}")
    return took, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    from eval_fixtures import make_question, write_release

    tmp = Path(tempfile.mkdtemp(prefix="scalar-bench-startup-"))
    server = None
    try:
        question = make_question(0, context_words=200, cand_words=60)
        rel = write_release(tmp / "rel", [question])
        env = dict(os.environ, PYTHONPATH=str(ROOT), OPENAI_API_KEY="sk-bench", NO_PROXY="127.0.0.1,localhost",
                   no_proxy="127.0.0.1,localhost", INSPECT_LOG_DIR=str(tmp / "inspect-logs"))
        env.pop("LITELLM_LOCAL_MODEL_COST_MAP", None)  # scalar must set it itself (no cost-map fetch)
        port_file = tmp / "port"
        server = subprocess.Popen([sys.executable, str(ROOT / "tests" / "evaluate" / "openai_server.py"),
                                   str(port_file)], env=env)
        for _ in range(300):
            if port_file.exists() and port_file.read_text():
                break
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port_file.read_text()}/v1"
        (tmp / "one_task.py").write_text(INSPECT_TASK.format(prompt=question.context[:2000]))

        py = sys.executable
        rows: dict[str, list[str] | None] = {
            "python -c pass": [py, "-c", "pass"],
            "scalar eval baseline/random": [py, "-m", "scalar", "eval", "--model", "baseline/random",
                                            "--data", str(rel), "--out", "{out}"],
            "scalar eval local/fbi-llm": None,
            "scalar eval openai/... (API)": [py, "-m", "scalar", "eval", "--model", "openai/test-model",
                                             "--api-base", url, "--model-arg", "context_window=128000",
                                             "--data", str(rel), "--out", "{out}", "--no-cache"],
            "inspect eval (API)": None,
        }
        try:
            from _tiny_local import tiny_fbi_checkpoint

            ckpt = tiny_fbi_checkpoint(tmp / "ckpt")
            rows["scalar eval local/fbi-llm"] = [py, "-m", "scalar", "eval", "--model", "local/fbi-llm",
                                                 "--model-arg", f"checkpoint={ckpt}", "--data", str(rel),
                                                 "--out", "{out}", "--no-cache"]
        except ImportError as e:
            print(f"(local/fbi-llm skipped: {e})")
        if shutil.which("inspect"):
            rows["inspect eval (API)"] = ["inspect", "eval", "one_task.py", "--model",
                                          "openai/test-model", "--model-base-url", url, "--log-dir",
                                          str(tmp / "inspect-logs"), "--display", "none"]
        else:
            print("(inspect eval skipped: pip install inspect-ai to compare)")
        rows = {k: v for k, v in rows.items() if v is not None}
        times: dict[str, list[float]] = {k: [] for k in rows}
        cpu: dict[str, list[float]] = {k: [] for k in rows}
        for r in range(args.runs + 1):  # round 0 warms the OS file cache and numba's on-disk cache
            for name, cmd in rows.items():
                out = tmp / f"run-{r}-{len(times[name])}-{abs(hash(name))}"
                took, used = timed([c.replace("{out}", str(out)) for c in cmd], env, tmp)
                if r:
                    times[name].append(took)
                    cpu[name].append(used)
        med = {k: statistics.median(v) for k, v in times.items()}
        med_cpu = {k: statistics.median(v) for k, v in cpu.items()}
        load = os.getloadavg()[0]
        print(f"start-up, whole process for one question, median of {args.runs} interleaved runs "
              f"(load average {load:.1f} on {os.cpu_count()} CPUs):")
        print(f"  {'':32s} {'wall':>7s} {'CPU':>7s}")
        for name, t in med.items():
            print(f"  {name:32s} {t:6.2f}s {med_cpu[name]:6.2f}s")
        if "inspect eval (API)" in med:
            api, insp = "scalar eval openai/... (API)", "inspect eval (API)"
            print(f"scalar API / inspect: wall {med[api] / med[insp]:.2f}x, CPU {med_cpu[api] / med_cpu[insp]:.2f}x "
                  "(<= 1 is the target)")
        local = "scalar eval local/fbi-llm"
        print(f"baseline {med['scalar eval baseline/random']:.2f} s wall / "
              f"{med_cpu['scalar eval baseline/random']:.2f} s CPU, local {med.get(local, float('nan')):.2f} s wall / "
              f"{med_cpu.get(local, float('nan')):.2f} s CPU (target < 2 s each)")
    finally:
        if server is not None:
            server.terminate()
            server.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
