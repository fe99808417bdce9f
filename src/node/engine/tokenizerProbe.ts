/**
 * Asks the engine's Python `tokenizers` how it tokenizes, for the TypeScript tokenizer's parity
 * test and for `scripts/write-tokenizer-tables.ts`. One short Python program, JSON in on stdin and
 * out on stdout, so that Python's answers come from the library and the engine's own TextCodec,
 * never from a re-implementation.
 */
import { runEnginePython } from './launcher.js';

const PROBE = String.raw`
import json, sys
import tokenizers
from tokenizers import pre_tokenizers

request = json.load(sys.stdin)

if request["kind"] == "classes":
    # Every code point (surrogates excepted: Rust strings cannot hold them) after an "a" and
    # before a space: "a"+c is one word when c is \w, two pieces when c is neither \w nor \s,
    # and "a" alone when c is \s.
    points = [cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]
    text = "".join("a" + chr(cp) + " " for cp in points)
    words = [word for word, _ in pre_tokenizers.Whitespace().pre_tokenize_str(text)]
    ranges = {"word": [], "space": []}
    at = 0
    for cp in points:
        c = chr(cp)
        if words[at] == "a" + c:
            kind, at = "word", at + 1
        elif words[at] == "a" and at + 1 < len(words) and words[at + 1] == c:
            kind, at = None, at + 2
        elif words[at] == "a":
            kind, at = "space", at + 1
        else:
            raise SystemExit(f"unexpected pre-tokenization around U+{cp:04X}: {words[at]!r}")
        if kind is not None:
            found = ranges[kind]
            if found and found[-1][1] == cp - 1:
                found[-1][1] = cp
            else:
                found.append([cp, cp])
    print(json.dumps({**ranges, "tokenizers": tokenizers.__version__}))
elif request["kind"] == "encode":
    from coconut_engine.tokenizer import SpecialTokenNames, TextCodec, words_of
    from dataclasses import asdict
    with open(request["tokenizer"], encoding="utf-8") as file:
        codec = TextCodec.from_saved(file.read(), {"names": asdict(SpecialTokenNames()), "word_level": True})
    texts = [{
        "ids": codec.encode(text),
        "words": words_of(text),
        "comparable": codec.comparable(text),
    } for text in request["texts"]]
    decoded = [codec.decode(ids) for ids in request["decode"]]
    print(json.dumps({"texts": texts, "decoded": decoded, "vocab_size": codec.vocab_size}))
else:
    raise SystemExit("unknown request")
`;

async function probe<T>(request: object): Promise<T> {
  const { code, stdout, stderr } = await runEnginePython(['-c', PROBE], { stdin: JSON.stringify(request), env: { PYTHONIOENCODING: 'utf-8' } });
  if (code !== 0) throw new Error(`the tokenizer probe failed (exit code ${code}): ${stderr.trim()}`);
  return JSON.parse(stdout) as T;
}

/** Inclusive code point ranges that the Rust `Whitespace` pre-tokenizer treats as `\w` and as `\s`. */
export interface CharacterClasses {
  word: [number, number][];
  space: [number, number][];
  /** The version of Python's `tokenizers` that answered. */
  tokenizers: string;
}

export const pythonCharacterClasses = (): Promise<CharacterClasses> => probe({ kind: 'classes' });

export interface PythonEncoding {
  texts: { ids: number[]; words: string[]; comparable: string }[];
  decoded: string[];
  vocab_size: number;
}

/** The engine's `TextCodec` on `tokenizerPath`: ids, words and comparable form of each text, and the decoding of each id list. */
export const pythonEncode = (tokenizerPath: string, texts: string[], decode: number[][] = []): Promise<PythonEncoding> =>
  probe({ kind: 'encode', tokenizer: tokenizerPath, texts, decode });
