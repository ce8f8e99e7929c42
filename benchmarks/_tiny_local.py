"""A tiny random FBI-LLM checkpoint with its own SentencePiece tokenizer, built with the test
fixtures (tests/local/local_fixtures.py): what the start-up and Ray benchmarks load."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def tiny_fbi_checkpoint(folder: Path, **config) -> Path:
    """``folder``/fbi: config.json, model.safetensors and tokenizer.model (no torch needed)."""
    import sentencepiece as spm

    sys.path.insert(0, str(ROOT / "tests" / "local"))
    import local_fixtures

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "corpus.txt").write_text(local_fixtures.CORPUS, encoding="utf-8")
    spm.SentencePieceTrainer.Train(
        input=str(folder / "corpus.txt"), model_prefix=str(folder / "tok"), vocab_size=local_fixtures.TINY_VOCAB,
        model_type="bpe", byte_fallback=True, split_digits=True, hard_vocab_limit=False, bos_id=1, eos_id=2,
        unk_id=0, pad_id=-1, minloglevel=2, num_threads=1)
    cfg = local_fixtures.fbi_config(**config)
    return local_fixtures.write_checkpoint(folder / "fbi", cfg, local_fixtures.fbi_state(cfg), "safetensors",
                                           folder / "tok.model")
