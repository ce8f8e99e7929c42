"""SCALAR's 1-bit engine next to llama.cpp on the same model shapes, threads and machine.

    pip install -e '.[local,bench]'      # llama-cpp-python builds llama.cpp from source (minutes)
    python benchmarks/bench_vs_llamacpp.py               # FBI-LLM-1.3B shapes, 24 layers
    python benchmarks/bench_vs_llamacpp.py --layers 4    # a quick run (ratios only roughly right)

A GGUF of FBI-LLM-1.3B's shapes (hidden 2048, intermediate 5632, vocab 32000, Llama layout) is
written with the ``gguf`` package from random +/-1 weights, then quantised by llama.cpp itself
(``llama_model_quantize`` through llama-cpp-python; TQ2_0 unless ``--types`` says otherwise; the
quantised file and its F16 source are kept in ``--cache-dir``). Our engine runs a model of the same shapes with random
packed signs (benchmarks/_synthetic.py).

Each engine lives in its own worker process (its own OpenMP runtime and settings) and waits while
the other one runs: rounds are interleaved, measures are medians over rounds. Prefill is one pass
over a fresh context with logits for the last token only (what log-prob scoring needs of a
context; llama.cpp: ``logits_all=False``). Decode is the median time per token after a 32-token
prompt. The last line is ``vs llama.cpp TQ2_0: prefill X.XXx, decode Y.YYx`` (ours / theirs;
prefill: the longest length).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
HIDDEN, INTERMEDIATE, VOCAB, HEADS = 2048, 5632, 32000, 32
DECODE_PROMPT = 32


# ---------------------------------------------------------------- GGUF
def write_gguf(path: Path, layers: int, context: int) -> None:
    """A llama-architecture GGUF (F16) of FBI-LLM-1.3B's shapes, random +/-scale weights."""
    import gguf
    import numpy as np

    rng = np.random.default_rng(0)
    writer = gguf.GGUFWriter(str(path), arch="llama")
    writer.add_context_length(context)
    writer.add_embedding_length(HIDDEN)
    writer.add_block_count(layers)
    writer.add_feed_forward_length(INTERMEDIATE)
    writer.add_rope_dimension_count(HIDDEN // HEADS)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(HEADS)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_rope_freq_base(10000.0)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    # a SentencePiece-style vocabulary: llama.cpp needs one to load; we feed token ids directly
    tokens = [b"<unk>", b"<s>", b"</s>"] + [f"<0x{i:02X}>".encode() for i in range(256)]
    tokens += [f"t{i}".encode() for i in range(VOCAB - len(tokens))]
    types = [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL]
    types += [gguf.TokenType.BYTE] * 256 + [gguf.TokenType.NORMAL] * (VOCAB - 259)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores([0.0] * VOCAB)
    writer.add_token_types(types)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_unk_token_id(0)

    def signs(rows: int, cols: int):
        scale = np.float16(1.0 / np.sqrt(cols))
        return np.where(rng.integers(0, 2, (rows, cols), dtype=np.uint8) > 0, scale, -scale).astype(np.float16)

    # one random matrix per shape, written once per layer (the file holds separate copies)
    square, up, down = signs(HIDDEN, HIDDEN), signs(INTERMEDIATE, HIDDEN), signs(HIDDEN, INTERMEDIATE)
    norm = np.ones(HIDDEN, np.float32)
    writer.add_tensor("token_embd.weight", (rng.standard_normal((VOCAB, HIDDEN)) * 0.02).astype(np.float16))
    writer.add_tensor("output_norm.weight", norm)
    writer.add_tensor("output.weight", (rng.standard_normal((VOCAB, HIDDEN)) * 0.02).astype(np.float16))
    for n in range(layers):
        p = f"blk.{n}"
        writer.add_tensor(f"{p}.attn_norm.weight", norm)
        writer.add_tensor(f"{p}.ffn_norm.weight", norm)
        for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
            writer.add_tensor(f"{p}.{name}.weight", square)
        writer.add_tensor(f"{p}.ffn_gate.weight", up)
        writer.add_tensor(f"{p}.ffn_up.weight", up)
        writer.add_tensor(f"{p}.ffn_down.weight", down)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def quantized_model(cache_dir: Path, layers: int, qtype: str, context: int, output_f32: bool) -> Path:
    """The GGUF of ``qtype``, made once per shape and kept (with its F16 source, for other types)."""
    import llama_cpp

    cache_dir.mkdir(parents=True, exist_ok=True)
    suffix = "-outf32" if output_f32 else ""
    target = cache_dir / f"fbi1.3b-shape-{layers}L-{qtype}{suffix}.gguf"
    if target.exists():
        return target
    source = cache_dir / f"fbi1.3b-shape-{layers}L-F16.gguf"
    if not source.exists():
        print(f"writing {source} ...", file=sys.stderr)
        write_gguf(source, layers, context)
    ftype = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{qtype}")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = ftype
    params.nthread = 2
    if output_f32:
        params.output_tensor_type = llama_cpp.GGML_TYPE_F32
    print(f"quantising to {qtype} with llama.cpp ...", file=sys.stderr)
    partial = target.with_suffix(".part")
    status = llama_cpp.llama_model_quantize(str(source).encode(), str(partial).encode(), params)
    if status != 0:
        raise SystemExit(f"llama_model_quantize failed with status {status}")
    partial.rename(target)
    return target


# ---------------------------------------------------------------- workers
class OursWorker:
    def __init__(self, layers: int, options: dict):
        sys.path.insert(0, str(HERE))
        from _synthetic import FBI_1_3B, random_weights

        from scalar.local.fbi_llm import FBILLM, FBIConfig

        config = FBIConfig.from_dict(dict(FBI_1_3B, num_hidden_layers=layers))
        self.model = FBILLM(config, random_weights(config.spec()))
        if options.get("head"):
            self.model.set_head_precision(options["head"])
        self.cache = self.model.new_cache()

    def prefill(self, tokens: list[int]) -> None:
        self.cache.restore(0)
        self.model.prefill(tokens, self.cache, logits="last")

    def decode(self, prompt: list[int], steps: int) -> list[float]:
        import numpy as np

        self.cache.restore(0)
        logits = self.model.prefill(prompt, self.cache, logits="last")
        times = []
        for _ in range(steps):
            token = int(np.argmax(logits))
            start = time.perf_counter()
            logits = self.model.prefill([token], self.cache, logits="last")
            times.append(time.perf_counter() - start)
        return times


class LlamaWorker:
    def __init__(self, path: str, threads: int, context: int):
        import llama_cpp

        self.llm = llama_cpp.Llama(model_path=path, n_ctx=context, n_batch=512, n_ubatch=512, n_threads=threads,
                                   n_threads_batch=threads, logits_all=False, verbose=False)

    def prefill(self, tokens: list[int]) -> None:
        self.llm.reset()  # n_tokens = 0: eval drops the cached positions from there on
        self.llm.eval(tokens)

    def decode(self, prompt: list[int], steps: int) -> list[float]:
        import numpy as np

        self.prefill(prompt)
        logits = self.llm.scores[self.llm.n_tokens - 1]
        times = []
        for _ in range(steps):
            token = int(np.argmax(logits))
            start = time.perf_counter()
            self.llm.eval([token])
            times.append(time.perf_counter() - start)
            logits = self.llm.scores[self.llm.n_tokens - 1]
        return times


def worker_main(args) -> None:
    """Serve JSON commands on stdin, one JSON answer per line on stdout."""
    import random

    if args.worker == "ours":
        sys.path.insert(0, str(HERE.parent))
        import numba

        numba.set_num_threads(args.threads)
        engine = OursWorker(args.layers, json.loads(args.options))
    else:
        engine = LlamaWorker(args.model_path, args.threads, args.context)
    rng = random.Random(1)
    engine.prefill([rng.randrange(3, VOCAB) for _ in range(8)])  # warm-up (JIT, buffers)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["op"] == "prefill":
            tokens = [rng.randrange(3, VOCAB) for _ in range(cmd["n"])]
            start = time.perf_counter()
            engine.prefill(tokens)
            print(json.dumps({"seconds": time.perf_counter() - start}), flush=True)
        elif cmd["op"] == "decode":
            times = engine.decode([rng.randrange(3, VOCAB) for _ in range(DECODE_PROMPT)], cmd["n"])
            print(json.dumps({"seconds": statistics.median(times[2:])}), flush=True)
        else:
            return


class Worker:
    def __init__(self, name: str, argv: list[str]):
        self.name = name
        env = dict(os.environ, PYTHONPATH=str(HERE.parent))
        if "llama" in argv:
            env.pop("OMP_WAIT_POLICY", None)  # llama.cpp with its own defaults
        self.proc = subprocess.Popen([sys.executable, __file__, *argv], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=env)
        self._read()

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"the {self.name} worker exited (code {self.proc.wait()})")
        return json.loads(line)

    def ask(self, op: str, n: int) -> float:
        self.proc.stdin.write(json.dumps({"op": op, "n": n}) + "\n")
        self.proc.stdin.flush()
        return self._read()["seconds"]

    def close(self) -> None:
        try:
            self.proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.proc.wait(timeout=60)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layers", type=int, default=24)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--prefill", type=int, nargs="+", default=[512, 2048])
    ap.add_argument("--decode", type=int, default=24, help="tokens per decode measure")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--types", nargs="+", default=["TQ2_0"], help="llama.cpp types (the first is the ratio's)")
    ap.add_argument("--llama-output-f32", action="store_true", help="also llama.cpp TQ2_0 with an f32 output head")
    ap.add_argument("--ours-head", nargs="*", default=[], help="also our engine with this output head (int8)")
    ap.add_argument("--cache-dir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "scalar-bench-gguf")
    ap.add_argument("--worker", choices=["ours", "llama"], help=argparse.SUPPRESS)
    ap.add_argument("--model-path", help=argparse.SUPPRESS)
    ap.add_argument("--context", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--options", default="{}", help=argparse.SUPPRESS)
    args = ap.parse_args()
    context = max(args.prefill + [DECODE_PROMPT + args.decode])
    if args.worker:
        worker_main(args)
        return
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        raise SystemExit("llama-cpp-python is not installed: pip install -e '.[bench]' (builds llama.cpp)") from None

    common = ["--layers", str(args.layers), "--threads", str(args.threads), "--context", str(context)]
    engines: dict[str, list[str]] = {"SCALAR (exact)": ["--worker", "ours", *common]}
    for head in args.ours_head:
        engines[f"SCALAR ({head} output head)"] = ["--worker", "ours", *common, "--options", json.dumps({"head": head})]
    variants = [(t, False) for t in args.types] + ([(args.types[0], True)] if args.llama_output_f32 else [])
    for qtype, f32 in variants:
        path = quantized_model(args.cache_dir, args.layers, qtype, 2048, f32)
        label = f"llama.cpp {qtype}" + (" (f32 output head)" if f32 else "")
        engines[label] = ["--worker", "llama", "--model-path", str(path), *common]

    load_before = os.getloadavg()[0]
    workers = {}
    for label, argv in engines.items():
        print(f"loading {label} ...", file=sys.stderr)
        workers[label] = Worker(label, argv)
    measures = [("prefill", n) for n in args.prefill] + [("decode", args.decode)]
    times: dict[tuple[str, str, int], list[float]] = {}
    for r in range(args.rounds):
        for op, n in measures:
            for label, worker in workers.items():  # interleaved: same measure, engines back to back
                seconds = worker.ask(op, n)
                times.setdefault((label, op, n), []).append(seconds)
                rate = (n if op == "prefill" else 1) / seconds
                print(f"round {r + 1}: {label:32s} {op} {n:5d}: {rate:7.1f} tok/s", file=sys.stderr)
    for worker in workers.values():
        worker.close()
    load_after = os.getloadavg()[0]

    def rate(label: str, op: str, n: int) -> float:
        med = statistics.median(times[(label, op, n)])
        return (n if op == "prefill" else 1) / med

    print(f"\nFBI-LLM-1.3B shapes, {args.layers} layers, {args.threads} threads, {args.rounds} interleaved rounds, "
          f"medians (load average {load_before:.1f} -> {load_after:.1f})")
    header = "| engine | " + " | ".join(f"prefill {n}" for n in args.prefill) + " | decode |"
    print(header)
    print("|" + "---|" * (len(args.prefill) + 2))
    for label in workers:
        cells = [f"{rate(label, 'prefill', n):.1f} tok/s" for n in args.prefill]
        cells.append(f"{rate(label, 'decode', args.decode):.1f} tok/s")
        print(f"| {label} | " + " | ".join(cells) + " |")
    theirs = f"llama.cpp {args.types[0]}"
    ours = "SCALAR (exact)"
    longest = max(args.prefill)
    prefill_ratio = rate(ours, "prefill", longest) / rate(theirs, "prefill", longest)
    decode_ratio = rate(ours, "decode", args.decode) / rate(theirs, "decode", args.decode)
    print(f"vs llama.cpp {args.types[0]}: prefill {prefill_ratio:.2f}x, decode {decode_ratio:.2f}x")


if __name__ == "__main__":
    main()
