"""Text ↔ token ids, for both kinds of vocabulary the engine uses.

* The offline model gets a **word-level** tokenizer built from the training set: a ``WordLevel``
  model with an unk token and the single ``Whitespace`` pre-tokenizer (``\\w+|[^\\w\\s]+``). It is
  deliberately simple: a ``Sequence`` pre-tokenizer with punctuation splitting was decoded
  differently by the JavaScript port of ``tokenizers``, and the workbench loads this same ``tokenizer.json``.
  The Coconut markers, eos, pad, unk and the newline are *added tokens*, matched in raw text
  before pre-tokenization (the pre-tokenizer alone would swallow ``"\\n"``).
* A transformers model brings its own tokenizer; we use its fast backend (``tokenizers``), add
  the markers, and decode with the library, as the reference does.

Word-level decoding joins words with spaces, so "Tom is a lempus." comes back as
"Tom is a lempus .". Comparisons (answer accuracy, reasoning exact match) therefore compare
**word sequences** for word-level vocabularies: both the generated and the reference text are
pre-tokenized and re-joined with single spaces (line by line), so the normalisation is the same on
both sides by construction. Transformers tokenizers reproduce text exactly and are compared
exactly, like the reference.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Protocol

from tokenizers import AddedToken, Tokenizer, models, pre_tokenizers

BOT = "<|start-latent|>"
EOT = "<|end-latent|>"
LATENT = "<|latent|>"
EOS = "<|endoftext|>"
PAD = "<|pad|>"
UNK = "<|unk|>"
NEWLINE = "\n"


@dataclass(frozen=True)
class SpecialTokenNames:
    """The spellings of the tokens the engine needs; stored in checkpoints."""

    bot: str = BOT
    eot: str = EOT
    latent: str = LATENT
    eos: str = EOS
    pad: str = PAD


class TextCodec:
    """A ``tokenizers.Tokenizer`` plus the ids of the special tokens and the decoding rules."""

    def __init__(self, tokenizer: Tokenizer, names: SpecialTokenNames, word_level: bool) -> None:
        self.tokenizer = tokenizer
        self.names = names
        self.word_level = word_level
        self.bot_id = self._require(names.bot)
        self.eot_id = self._require(names.eot)
        self.latent_id = self._require(names.latent)
        self.eos_id = self._require(names.eos)
        self.pad_id = self._require(names.pad)
        self._pre_tokenizer = pre_tokenizers.Whitespace()

    def _require(self, token: str) -> int:
        token_id = self.tokenizer.token_to_id(token)
        if token_id is None:
            raise ValueError(f"tokenizer has no token {token!r}")
        return token_id

    @property
    def vocab_size(self) -> int:
        return self.tokenizer.get_vocab_size(with_added_tokens=True)

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        """Token ids of ``text``; ``add_special_tokens`` lets a transformers tokenizer add its BOS
        (the reference does that for the question only)."""
        return self.tokenizer.encode(text, add_special_tokens=add_special_tokens).ids

    def decode(self, ids: Iterable[int]) -> str:
        """Readable text of generated ids, markers and eos/pad left out."""
        ids = list(ids)
        if not self.word_level:
            return self.tokenizer.decode(ids, skip_special_tokens=True)
        hidden = {self.bot_id, self.eot_id, self.latent_id, self.eos_id, self.pad_id}
        pieces: list[str] = []
        for token_id in ids:
            word = None if token_id in hidden else self.tokenizer.id_to_token(token_id)
            if word is None:
                continue
            # Words are separated by one space, except around line breaks.
            if pieces and word != NEWLINE and pieces[-1] != NEWLINE:
                pieces.append(" ")
            pieces.append(word)
        return "".join(pieces)

    def comparable(self, text: str) -> str:
        """The form two texts are compared in (see the module docstring)."""
        if not self.word_level:
            return text
        lines = []
        for line in text.split("\n"):
            words = [word for word, _ in self._pre_tokenizer.pre_tokenize_str(line)]
            lines.append(" ".join(words))
        return "\n".join(lines).strip("\n")

    # --- persistence ------------------------------------------------------------------------

    def to_json(self) -> str:
        return self.tokenizer.to_str()

    def metadata(self) -> dict[str, object]:
        return {"names": asdict(self.names), "word_level": self.word_level}

    @classmethod
    def from_saved(cls, tokenizer_json: str, metadata: dict[str, object]) -> TextCodec:
        names = SpecialTokenNames(**metadata["names"])  # type: ignore[arg-type]
        return cls(Tokenizer.from_str(tokenizer_json), names, bool(metadata["word_level"]))


# Ids 0..6 of every word-level vocabulary, in this order.
WORD_LEVEL_SPECIALS: tuple[str, ...] = (EOS, PAD, UNK, NEWLINE, BOT, EOT, LATENT)


def words_of(text: str) -> list[str]:
    """The words the word-level tokenizer sees in plain text (no added tokens inside)."""
    return [word for word, _ in pre_tokenizers.Whitespace().pre_tokenize_str(text)]


class _RecordText(Protocol):
    # Read-only, so that a frozen record with a list of steps matches.
    @property
    def question(self) -> str: ...
    @property
    def steps(self) -> Sequence[str]: ...
    @property
    def answer(self) -> str: ...


def word_level_texts(records: Iterable[_RecordText]) -> list[str]:
    """The texts an offline model's vocabulary is built from: every question, step and
    ``"### " + answer`` of the training records (the answer as the model sees it)."""
    texts: list[str] = []
    for record in records:
        texts.append(record.question)
        texts.extend(record.steps)
        texts.append("### " + record.answer)
    return texts


def build_word_level_codec(texts: Iterable[str]) -> TextCodec:
    """A word-level tokenizer whose vocabulary is the special tokens plus every word of ``texts``
    (most frequent first, ties alphabetical, so the same data always gives the same ids)."""
    counts: Counter[str] = Counter()
    for text in texts:
        for line in text.split("\n"):
            counts.update(words_of(line))
    for special in WORD_LEVEL_SPECIALS:
        counts.pop(special, None)
    vocab = {token: index for index, token in enumerate(WORD_LEVEL_SPECIALS)}
    for word, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        vocab[word] = len(vocab)

    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token=UNK))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.add_special_tokens(
        [AddedToken(token, special=True, normalized=False) for token in (EOS, PAD, UNK, BOT, EOT, LATENT)]
    )
    # The newline is an ordinary (decoded) token, but it must be matched before pre-tokenization.
    tokenizer.add_tokens([AddedToken(NEWLINE, special=False, normalized=False)])
    return TextCodec(tokenizer, SpecialTokenNames(), word_level=True)


def pretty_json(codec: TextCodec) -> str:
    """The tokenizer as indented JSON, for ``RUN_DIR/tokenizer.json``."""
    return json.dumps(json.loads(codec.to_json()), indent=2, ensure_ascii=False) + "\n"
