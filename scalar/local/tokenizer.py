"""SentencePiece tokenizer from a checkpoint's ``tokenizer.model`` (Llama-2 vocabulary for both
FBI-LLM and Bi-Mamba)."""

from __future__ import annotations

from pathlib import Path

from scalar.errors import InputError

TOKENIZER_FILE = "tokenizer.model"


class TokenizerError(InputError):
    """The checkpoint has no usable tokenizer.model."""


class SentencePieceTokenizer:
    def __init__(self, path: str | Path):
        import sentencepiece as spm

        path = Path(path)
        if not path.is_file():
            raise TokenizerError(f"no tokenizer: {path} does not exist (pass --model-arg tokenizer=PATH)")
        self.path = path
        self.sp = spm.SentencePieceProcessor()
        try:
            self.sp.Load(str(path))
        except (OSError, RuntimeError) as e:
            raise TokenizerError(f"{path} is not a SentencePiece model: {' '.join(str(e).split())}") from None
        self.bos_id = int(self.sp.bos_id())
        self.eos_id = int(self.sp.eos_id())
        self.vocab_size = int(self.sp.GetPieceSize())

    def encode(self, text: str, *, bos: bool = False) -> list[int]:
        ids = list(self.sp.EncodeAsIds(text))
        if bos and self.bos_id >= 0:
            ids = [self.bos_id] + ids
        return ids

    def decode(self, ids: list[int]) -> str:
        return self.sp.DecodeIds([int(i) for i in ids if 0 <= int(i) < self.vocab_size])

    def count(self, text: str) -> int:
        return len(self.sp.EncodeAsIds(text))


def find_tokenizer(folder: str | Path, override: str | Path | None = None) -> Path:
    """The tokenizer.model to use: an explicit path wins, else the checkpoint's own."""
    if override:
        return Path(override).expanduser()
    return Path(folder) / TOKENIZER_FILE


def load_tokenizer(folder: str | Path, override: str | Path | None = None) -> SentencePieceTokenizer:
    return SentencePieceTokenizer(find_tokenizer(folder, override))
