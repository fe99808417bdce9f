/**
 * The words ProsQA-style questions are made of. Like the official data, the graphs reuse a short
 * fixed list of made-up "-pus" concept words and a handful of first names, so a word-level
 * tokenizer built from a generated dataset stays small (about 70 words including the templates).
 * The words are fictional on purpose: a model cannot answer from world knowledge.
 */

/** Entities: parentless nodes get these. Enough for the most parentless nodes a 28-node graph has in practice. */
export const PERSON_NAMES: readonly string[] = [
  'Alex', 'Bella', 'Cody', 'Dina', 'Eli', 'Fiona', 'Gus', 'Hana', 'Ivo', 'Jade',
  'Kurt', 'Lena', 'Milo', 'Nora', 'Otto', 'Pia', 'Ravi', 'Tess', 'Uma', 'Vic',
];

/** Concepts: every node with a parent gets one, so a graph may have at most this many such nodes. */
export const CONCEPT_NAMES: readonly string[] = [
  'bampus', 'blorpus', 'chimpus', 'crempus', 'dalpus', 'drempus', 'fenpus', 'flimpus',
  'garpus', 'glorpus', 'hempus', 'hurpus', 'jarpus', 'kimpus', 'klempus', 'larpus',
  'marpus', 'mirpus', 'nalpus', 'norpus', 'palpus', 'plimpus', 'quarpus', 'relpus',
  'sampus', 'skorpus', 'tirpus', 'torpus', 'velpus', 'vimpus', 'warpus', 'whimpus',
  'yalpus', 'yorpus', 'zelpus', 'zimpus', 'borpus', 'kurpus', 'delpus', 'fumpus',
];
