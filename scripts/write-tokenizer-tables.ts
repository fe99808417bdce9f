/**
 * Writes `src/common/tokenizer/unicodeTables.ts`, the `\w`/`\s` code point tables of the engine's
 * word-level pre-tokenizer, measured from the engine venv's `tokenizers`. Run it after upgrading
 * `tokenizers`; the tokenizer parity test fails while the committed tables disagree with Python.
 */
import { writeFileSync } from 'node:fs';
import { pythonCharacterClasses } from '../src/node/engine/tokenizerProbe.js';
import { TOKENIZER_TABLES_FILE, tokenizerTablesSource } from '../src/node/engine/tokenizerTables.js';

const classes = await pythonCharacterClasses();
writeFileSync(TOKENIZER_TABLES_FILE, tokenizerTablesSource(classes));
console.log(`wrote ${TOKENIZER_TABLES_FILE}: ${classes.word.length} word ranges, ${classes.space.length} space ranges (tokenizers ${classes.tokenizers})`);
