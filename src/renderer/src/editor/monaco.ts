/**
 * Monaco, bundled for offline use: the editor core with the contributions a config editor needs,
 * the YAML tokenizer from Monaco's basic languages, and the editor worker built by Vite (no CDN,
 * no AMD loader). Loaded lazily by the YAML editor component.
 */
import * as monaco from 'monaco-editor/editor/editor.api.js';
import EditorWorker from 'monaco-editor/editor/editor.worker.js?worker';
import { configHoverAt, configSuggestions, presentKeys } from '../lib/configCompletion';

import 'monaco-editor/features/codicon/register.js';
import 'monaco-editor/features/codeEditor/register.js';
import 'monaco-editor/features/bracketMatching/register.js';
import 'monaco-editor/features/clipboard/register.js';
import 'monaco-editor/features/comment/register.js';
import 'monaco-editor/features/contextmenu/register.js';
import 'monaco-editor/features/cursorUndo/register.js';
import 'monaco-editor/features/find/register.js';
import 'monaco-editor/features/folding/register.js';
import 'monaco-editor/features/gotoError/register.js';
import 'monaco-editor/features/hover/register.js';
import 'monaco-editor/features/indentation/register.js';
import 'monaco-editor/features/linesOperations/register.js';
import 'monaco-editor/features/multicursor/register.js';
import 'monaco-editor/features/snippet/register.js';
import 'monaco-editor/features/suggest/register.js';
// The completion widget itself (the feature entry above brings only inline completions).
import 'monaco-editor/editor/contrib/suggest/browser/suggestController.js';
import 'monaco-editor/features/wordHighlighter/register.js';
import 'monaco-editor/features/wordOperations/register.js';
import 'monaco-editor/languages/definitions/yaml/register.js';

type MonacoEnv = { getWorker: (workerId: string, label: string) => Worker };

(self as unknown as { MonacoEnvironment: MonacoEnv }).MonacoEnvironment = {
  getWorker: () => new EditorWorker(),
};

// Config keys and values from the config's JSON Schema (the only YAML edited here is a run config).
monaco.languages.registerCompletionItemProvider('yaml', {
  provideCompletionItems(model, position) {
    const line = model.getLineContent(position.lineNumber).slice(0, position.column - 1);
    const word = model.getWordUntilPosition(position);
    const range = new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn);
    const suggestions = configSuggestions(line, presentKeys(model.getValue())).map((item) => ({
      label: item.label,
      kind: item.kind === 'key' ? monaco.languages.CompletionItemKind.Property : monaco.languages.CompletionItemKind.Value,
      insertText: item.insertText,
      detail: item.detail,
      documentation: item.documentation,
      range,
    }));
    return { suggestions };
  },
});

// Each key's description, type, default and allowed values on hover (nested keys included).
monaco.languages.registerHoverProvider('yaml', {
  provideHover(model, position) {
    const hover = configHoverAt(model.getLinesContent(), position.lineNumber - 1, position.column - 1);
    if (!hover) return null;
    return {
      range: new monaco.Range(position.lineNumber, hover.keyStart + 1, position.lineNumber, hover.keyEnd + 1),
      contents: [{ value: hover.markdown }],
    };
  },
});

export { monaco };
