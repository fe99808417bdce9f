/**
 * Asks the engine's Python how Hugging Face tokenizers behave, for the bundle tokenizer's parity
 * test and for `bpeTokenizerTables.ts`: it builds small tokenizers of the GPT-2, Qwen2, Llama 3 and
 * Llama 2 (sentencepiece) layouts with Python `tokenizers` (no hub access: each is trained on the
 * corpus it is given), loads them the way `build.py` loads a local model (saved as a model folder,
 * `AutoTokenizer.from_pretrained`, the three markers added with `add_tokens`), and encodes and
 * decodes through the engine's own `TextCodec`. One short Python program, JSON in on stdin and out
 * on stdout, so that every answer comes from the libraries, never from a re-implementation.
 */
import { runEnginePython } from './launcher.js';

const PROBE = String.raw`
import json, os, sys, tempfile

request = json.load(sys.stdin)

QWEN2 = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
LLAMA3 = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
MARKERS = ["<|start-latent|>", "<|end-latent|>", "<|latent|>"]


def byte_level(kind, corpus):
    """GPT-2 (ByteLevel pre-tokenizer), Qwen2 (NFC, Split with its regex, ByteLevel) and Llama 3
    (Split with its regex, ByteLevel, ignore_merges, a template adding BOS) layouts."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    tokenizer = Tokenizer(models.BPE(ignore_merges=kind == "llama3"))
    if kind == "gpt2":
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    else:
        pattern = LLAMA3 if kind == "llama3" else QWEN2
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(pattern), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=kind == "added", use_regex=False),
        ])
    if kind in ("qwen2", "added"):
        tokenizer.normalizer = normalizers.NFC()
    tokenizer.decoder = decoders.ByteLevel()
    specials = {
        "gpt2": ["<|endoftext|>"],
        "qwen2": ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        "added": ["<|endoftext|>"],
        "llama3": ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>"],
    }[kind]
    trainer = trainers.BpeTrainer(vocab_size=1200, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tokenizer.train_from_iterator(corpus, trainer)
    if kind == "llama3":
        bos = tokenizer.token_to_id("<|begin_of_text|>")
        tokenizer.post_processor = processors.Sequence([
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|> $B:1", special_tokens=[("<|begin_of_text|>", bos)]),
        ])
        return tokenizer, {"bos_token": "<|begin_of_text|>", "eos_token": "<|end_of_text|>"}, "PreTrainedTokenizerFast"
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    if kind == "added":
        # Every added-token option the loader honours, on a normalizing pipeline.
        tokenizer.add_tokens([
            AddedToken("<mask>", lstrip=True, special=True, normalized=False),
            AddedToken("[END]", rstrip=True, normalized=False),
            AddedToken("<sep>", lstrip=True, rstrip=True, normalized=True),
            AddedToken("wump", single_word=True),
            AddedToken("[[x]]", single_word=True, lstrip=True, normalized=False),
            AddedToken("cafe\u0301", normalized=True),
            AddedToken(" Tom", normalized=False),
            AddedToken("é", normalized=False),
            AddedToken("日本", special=True),
            AddedToken("[[", normalized=False),
        ])
        return tokenizer, {"eos_token": "<|endoftext|>"}, "PreTrainedTokenizerFast"
    if kind == "qwen2":
        return tokenizer, {"eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>"}, "Qwen2Tokenizer"
    return tokenizer, {"eos_token": "<|endoftext|>"}, "GPT2Tokenizer"


def sentencepiece(kind, corpus):
    """Llama 2 layouts: BPE over ▁-joined words whose rarer characters take the byte fallback.
    "llama2" as transformers' LlamaTokenizer loads it (Metaspace, prepend "first"),
    "llama2-legacy" as older tokenizer.json files have it (Prepend + Replace normalizer), and
    "metaspace" as tokenizers' SentencePieceBPETokenizer builds it (Metaspace split into words,
    Metaspace decoder, an unk token instead of bytes)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tokenizer.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=800, limit_alphabet=70, show_progress=False))
    trained = json.loads(tokenizer.to_str())
    specials = ["<unk>", "<s>", "</s>"]
    byte_tokens = [] if kind == "metaspace" else [f"<0x{byte:02X}>" for byte in range(256)]
    vocab = {token: index for index, token in enumerate(specials + byte_tokens)}
    for token, _ in sorted(trained["model"]["vocab"].items(), key=lambda item: item[1]):
        vocab.setdefault(token, len(vocab))
    trained["model"].update(vocab=vocab, unk_token="<unk>", byte_fallback=kind != "metaspace", fuse_unk=True)
    trained["added_tokens"] = [
        {"id": index, "content": token, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
        for index, token in enumerate(specials)
    ]
    if kind == "llama2-legacy":
        trained["normalizer"] = {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "\u2581"}, {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]}
        trained["pre_tokenizer"] = None
    elif kind == "llama2":
        trained["pre_tokenizer"] = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": False}
    if kind == "metaspace":
        trained["decoder"] = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}
        trained["post_processor"] = None
    else:
        trained["decoder"] = {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
            {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
        trained["post_processor"] = {"type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}}
    tokenizer = Tokenizer.from_str(json.dumps(trained))
    names = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}
    return tokenizer, names, "LlamaTokenizer" if kind == "llama2" else "PreTrainedTokenizerFast"


def splits(kind, corpus):
    """Every Split behaviour, an inverted pattern, Metaspace never prepending, and a BPE whose
    characters outside a small alphabet become one unk each (fuse_unk off)."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>", fuse_unk=False))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"[,;]"), behavior="merged_with_previous"),
        pre_tokenizers.Split(Regex(r"\.+"), behavior="merged_with_next"),
        pre_tokenizers.Split(Regex(r"\p{N}"), behavior="contiguous"),
        pre_tokenizers.Split("!", behavior="removed"),
        pre_tokenizers.Split(Regex(r"s"), behavior="merged_with_previous", invert=True),
        pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="never", split=True),
    ])
    tokenizer.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="never", split=True)
    tokenizer.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=700, limit_alphabet=60, special_tokens=["<unk>", "</s>"], show_progress=False))
    return tokenizer, {"eos_token": "</s>", "unk_token": "<unk>"}, "PreTrainedTokenizerFast"


BUILDERS = {"gpt2": byte_level, "qwen2": byte_level, "llama3": byte_level, "added": byte_level,
            "llama2": sentencepiece, "llama2-legacy": sentencepiece, "metaspace": sentencepiece, "splits": splits}


def build(kind, corpus, out):
    """The tokenizer as the engine holds it after build.py's _from_local_pretrained, written as a
    checkpoint stores it ({"json": tokenizer_json, "meta": tokenizer_meta})."""
    from transformers import AutoTokenizer, PreTrainedTokenizerFast
    from coconut_engine.tokenizer import SpecialTokenNames, TextCodec
    tokenizer, names, tokenizer_class = BUILDERS[kind](kind, corpus)
    folder = tempfile.mkdtemp()
    PreTrainedTokenizerFast(tokenizer_object=tokenizer, **names).save_pretrained(folder)
    config_path = os.path.join(folder, "tokenizer_config.json")
    with open(config_path, encoding="utf-8") as file:
        config = json.load(file)
    config["tokenizer_class"] = tokenizer_class
    with open(config_path, "w", encoding="utf-8") as file:
        json.dump(config, file)
    hf_tokenizer = AutoTokenizer.from_pretrained(folder)
    hf_tokenizer.add_tokens(MARKERS)
    names = SpecialTokenNames(eos=hf_tokenizer.eos_token, pad=hf_tokenizer.pad_token or hf_tokenizer.eos_token)
    codec = TextCodec(hf_tokenizer.backend_tokenizer, names, word_level=False)
    with open(out, "w", encoding="utf-8") as file:
        json.dump({"json": codec.to_json(), "meta": codec.metadata()}, file)
    return {"class": type(hf_tokenizer).__name__, "vocab_size": codec.vocab_size}


def ranges(points):
    found = []
    for cp in points:
        if found and found[-1][1] == cp - 1:
            found[-1][1] = cp
        else:
            found.append([cp, cp])
    return found


def tables():
    """Code point classes of the engine's tokenizers, each measured on every code point."""
    from tokenizers import Regex, normalizers, pre_tokenizers
    # Oniguruma classes: every code point in order; the runs a class pattern matches are its ranges.
    points = [cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]
    text = "".join(chr(cp) for cp in points)
    classes = {}
    for name, pattern in [("letter", r"\p{L}+"), ("number", r"\p{N}+"), ("space", r"\s+"), ("fold", r"(?i:[a-z])+")]:
        # Inverted and removed: the pieces left are the pattern's matches (character offsets).
        pieces = pre_tokenizers.Split(Regex(pattern), "removed", invert=True).pre_tokenize_str(text)
        found = []
        for _, (start, end) in pieces:
            first, last = points[start], points[end - 1]
            if first < 0xD800 < last:  # a run across the surrogates is two ranges
                found += [[first, 0xD7FF], [0xE000, last]]
            else:
                found.append([first, last])
        classes[name] = found
    # Normalization: what NFC and NFD make of each code point alone, and whether a mark of class 1
    # after it, or of class 240 before it, is reordered (that is, its combining class is not 0).
    points = points[1:]
    def changed(form, make):
        pieces = form.normalize_str("\x00".join(make(chr(cp)) for cp in points)).split("\x00")
        return {str(cp): piece for cp, piece in zip(points, pieces) if piece != make(chr(cp))}
    nfc, nfd = normalizers.NFC(), normalizers.NFD()
    normalization = {
        "nfc": changed(nfc, lambda c: c),
        "nfd": changed(nfd, lambda c: c),
        "after": changed(nfd, lambda c: "a" + c + "\u0334"),
        "before": changed(nfd, lambda c: "a\u0345" + c),
    }
    import tokenizers
    return {**classes, "normalization": normalization, "tokenizers": tokenizers.__version__}


def added_classes(points):
    """Which of these code points keep a single_word added token from matching right after
    (before) them, and which an lstrip added token takes in before it."""
    from tokenizers import AddedToken, Tokenizer, models
    tokenizer = Tokenizer(models.WordLevel({"<unk>": 0}, unk_token="<unk>"))
    tokenizer.add_tokens([AddedToken("\x01", single_word=True, normalized=False), AddedToken("\x02", lstrip=True, normalized=False)])
    block = 9  # c \x01 ␠ \x01 c ␠ a c \x02
    encoding = tokenizer.encode("".join(chr(cp) + "\x01 \x01" + chr(cp) + " a" + chr(cp) + "\x02" for cp in points))
    starts = {(token_id, start) for token_id, (start, _) in zip(encoding.ids, encoding.offsets) if token_id in (1, 2)}
    return {
        "word_before": [cp for index, cp in enumerate(points) if (1, block * index + 1) not in starts],
        "word_after": [cp for index, cp in enumerate(points) if (1, block * index + 3) not in starts],
        "strip": [cp for index, cp in enumerate(points) if (2, block * index + 7) in starts],
    }


kind = request["kind"]
if kind == "build":
    print(json.dumps({name: build(name, request["corpus"], os.path.join(request["out"], f"{name}.json")) for name in request["kinds"]}))
elif kind == "encode":
    from coconut_engine.tokenizer import TextCodec
    with open(request["bundle"], encoding="utf-8") as file:
        bundle = json.load(file)
    codec = TextCodec.from_saved(bundle["json"], bundle["meta"])
    tokens = [codec.tokenizer.id_to_token(token_id) for token_id in range(codec.vocab_size + 2)]
    print(json.dumps({
        "plain": [codec.encode(text) for text in request["texts"]],
        "special": [codec.encode(text, add_special_tokens=True) for text in request["texts"]],
        "decoded": [codec.decode(ids) for ids in request["decode"]],
        "tokens": tokens,
        "token_ids": [None if token is None else codec.tokenizer.token_to_id(token) for token in tokens],
        "vocab_size": codec.vocab_size,
    }))
elif kind == "tables":
    print(json.dumps(tables()))
elif kind == "added-classes":
    print(json.dumps(added_classes(request["points"])))
else:
    raise SystemExit("unknown request")
`;

async function probe<T>(request: object): Promise<T> {
  const { code, stdout, stderr } = await runEnginePython(['-c', PROBE], {
    stdin: JSON.stringify(request),
    env: { PYTHONIOENCODING: 'utf-8', TRANSFORMERS_VERBOSITY: 'error', TOKENIZERS_PARALLELISM: 'false' },
  });
  if (code !== 0) throw new Error(`the tokenizer probe failed (exit code ${code}): ${stderr.trim()}`);
  return JSON.parse(stdout) as T;
}

/** The tokenizer layouts the probe can build. */
export const BUNDLE_KINDS = ['gpt2', 'qwen2', 'llama3', 'llama2', 'llama2-legacy', 'metaspace', 'splits', 'added'] as const;
export type BundleKind = (typeof BUNDLE_KINDS)[number];

/**
 * Trains each tokenizer layout on `corpus` and writes `DIR/<kind>.json` as a checkpoint holds it:
 * `{ json: tokenizer_json, meta: tokenizer_meta }`. Returns transformers' class and the size.
 */
export const pythonBuildBundles = (corpus: string[], out: string, kinds: readonly BundleKind[] = BUNDLE_KINDS): Promise<Record<BundleKind, { class: string; vocab_size: number }>> =>
  probe({ kind: 'build', corpus, out, kinds });

export interface PythonBundleEncoding {
  /** `TextCodec.encode(text)` of each text. */
  plain: number[][];
  /** `TextCodec.encode(text, add_special_tokens=True)` of each text. */
  special: number[][];
  /** `TextCodec.decode(ids)` of each id list. */
  decoded: string[];
  /** `id_to_token` of every id below vocab_size + 2 (null where there is none). */
  tokens: (string | null)[];
  /** `token_to_id` of each of those tokens (a normalized added token's spelling may have none). */
  token_ids: (number | null)[];
  vocab_size: number;
}

/** The engine's `TextCodec.from_saved` of a bundle file written by `pythonBuildBundles`. */
export const pythonBundleEncode = (bundle: string, texts: string[], decode: number[][] = []): Promise<PythonBundleEncoding> =>
  probe({ kind: 'encode', bundle, texts, decode });

/** Inclusive code point ranges. */
export type Ranges = [number, number][];

export interface BpeCharacterClasses {
  /** Oniguruma's `\p{L}`, `\p{N}`, `\s` and the members of `(?i:[a-z])`. */
  letter: Ranges;
  number: Ranges;
  space: Ranges;
  fold: Ranges;
  /** The engine's NFC and NFD of each code point alone, and NFD of "a"+c+U+0334 and "a"+U+0345+c, where they change the text (keys: decimal code points). */
  normalization: Record<'nfc' | 'nfd' | 'after' | 'before', Record<string, string>>;
  tokenizers: string;
}

export const pythonBpeCharacterClasses = (): Promise<BpeCharacterClasses> => probe({ kind: 'tables' });

export interface AddedTokenClasses {
  /** Of the code points asked about: those before (after) which a `single_word` added token does not match. */
  word_before: number[];
  word_after: number[];
  /** Those an `lstrip` added token takes in before it. */
  strip: number[];
}

export const pythonAddedTokenClasses = (points: number[]): Promise<AddedTokenClasses> => probe({ kind: 'added-classes', points });
