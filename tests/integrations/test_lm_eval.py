"""`scalar export --format lm-eval`, run with lm-evaluation-harness as a user would: the dummy model
for the loglikelihood task, and lm-eval's OpenAI-compatible chat client against the loopback server
for the generation tasks (right answers score 1, wrong ones 0)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openai_server import OpenAIServer
from oracle import oracle, reply_text

from scalar.evaluate.prompting import choose_templates, logprob_prefixes
from scalar.integrations import lm_eval_helpers as helpers
from scalar.integrations.lm_eval_tasks import export_lm_eval
from scalar.release import load_release

pytest.importorskip("lm_eval")
datasets = pytest.importorskip("datasets")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def exported(tmp_path_factory, sample_release):
    return export_lm_eval(sample_release, tmp_path_factory.mktemp("lm") / "scalar", audit=False)


def _lm_eval(exported: Path, out: Path, *args):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false"}
    cmd = [sys.executable, "-m", "lm_eval", "--include_path", str(exported / "lm_eval"), "--output_path", str(out),
           "--log_samples", *map(str, args)]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900, cwd=out.parent)
    assert r.returncode == 0, r.stderr[-3000:]
    (results,) = list(out.rglob("results_*.json"))
    return json.loads(results.read_text())


def test_task_files_and_helpers_ask_like_scalar_eval(exported, sample_release):
    names = sorted(p.name for p in (exported / "lm_eval").iterdir())
    assert names == ["scalar.yaml", "scalar_cloze.yaml", "scalar_mcq.yaml", "scalar_mcq_gen.yaml", "utils.py"]
    mcq_yaml = (exported / "lm_eval" / "scalar_mcq.yaml").read_text()
    assert "output_type: multiple_choice" in mcq_yaml and f"dataset_path: {exported.resolve().as_posix()}" in mcq_yaml
    group = (exported / "lm_eval" / "scalar.yaml").read_text()
    assert "aggregate" not in group  # tasks are never averaged together
    _, questions = load_release(sample_release)
    rows = {r["id"]: r for r in datasets.load_dataset(str(exported))["test"]}
    templates = choose_templates(None)
    for q in questions[:5] + [q for q in questions if q.task == "cloze"][:5]:
        doc = rows[q.id]
        prompt = templates.for_task(q.task).render(q)
        assert helpers.gen_doc_to_text(doc) == prompt
        if q.task == "mcq":
            assert helpers.mcq_doc_to_text(doc) == logprob_prefixes(prompt, q)[0]
            assert helpers.mcq_doc_to_choice(doc) == ["0", "1", "2", "3"]
        assert helpers.process_results(doc, [reply_text(q.answer)]) == {"acc": 1.0}
        assert helpers.process_results(doc, [reply_text(q.answer, wrong=True)]) == {"acc": 0.0}
        assert helpers.process_results(doc, ["no idea"]) == {"acc": 0.0}
        # lm-eval cuts generation at the stop sequence "</answer>": still parsed
        assert helpers.process_results(doc, [reply_text(q.answer).removesuffix("</answer>")]) == {"acc": 1.0}


def test_loglikelihood_task_runs_with_lm_evals_dummy_model(exported, tmp_path):
    res = _lm_eval(exported, tmp_path / "out", "--model", "dummy", "--tasks", "scalar_mcq", "--limit", "12")
    acc = res["results"]["scalar_mcq"]["acc,none"]
    assert 0.0 <= acc <= 1.0 and res["n-samples"]["scalar_mcq"]["effective"] == 12


def test_generation_tasks_against_a_loopback_openai_server(exported, sample_release, tmp_path):
    _, questions = load_release(sample_release)
    for wrong, expected in ((False, 1.0), (True, 0.0)):
        with OpenAIServer(oracle(questions, wrong=wrong)) as srv:
            res = _lm_eval(exported, tmp_path / ("wrong" if wrong else "right"),
                           "--model", "local-chat-completions", "--apply_chat_template",
                           "--model_args", f"base_url={srv.url}/chat/completions,model=scalar-test,num_concurrent=1,"
                                           "max_retries=1,tokenized_requests=False",
                           "--tasks", "scalar_mcq_gen,scalar_cloze", "--limit", "6")
        for task in ("scalar_mcq_gen", "scalar_cloze"):
            assert res["results"][task]["acc,none"] == expected, (task, res["results"][task])
            assert res["n-samples"][task]["effective"] == 6
