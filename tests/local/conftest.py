"""Fixtures for the 1-bit engine tests: a tiny SentencePiece model trained here (no downloads)."""

from __future__ import annotations

from pathlib import Path

import pytest
from local_fixtures import CORPUS, TINY_VOCAB


@pytest.fixture(scope="session")
def sp_model(tmp_path_factory) -> Path:
    """A SentencePiece BPE model with byte fallback, like the Llama-2 tokenizer, trained in seconds."""
    import sentencepiece as spm

    folder = tmp_path_factory.mktemp("spm")
    text = folder / "corpus.txt"
    text.write_text(CORPUS, encoding="utf-8")
    spm.SentencePieceTrainer.Train(
        input=str(text), model_prefix=str(folder / "tok"), vocab_size=TINY_VOCAB, model_type="bpe",
        byte_fallback=True, split_digits=True, hard_vocab_limit=False, bos_id=1, eos_id=2, unk_id=0,
        pad_id=-1, minloglevel=2, num_threads=1,
    )
    return folder / "tok.model"
