/** Keyboard shortcuts for a view, active while it is mounted. */
import { onBeforeUnmount, onMounted } from 'vue';

export interface Shortcut {
  /** `KeyboardEvent.key`, e.g. `n`, `Escape`, `Enter`. */
  key: string;
  /** Require Ctrl (or Cmd on macOS). */
  mod?: boolean;
  /** Also fire while typing in a field or the editor (only sensible with `mod`). */
  inFields?: boolean;
  run: (event: KeyboardEvent) => void;
}

export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target.closest('.monaco-editor')) return true;
  return ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

export function useShortcuts(shortcuts: Shortcut[]): void {
  const onKey = (event: KeyboardEvent): void => {
    if (event.defaultPrevented || event.isComposing) return;
    const mod = event.ctrlKey || event.metaKey;
    for (const s of shortcuts) {
      if (s.key.toLowerCase() !== event.key.toLowerCase()) continue;
      if (Boolean(s.mod) !== mod) continue;
      if (!s.mod && (event.altKey || event.ctrlKey || event.metaKey)) continue;
      if (!s.inFields && isTypingTarget(event.target)) continue;
      event.preventDefault();
      s.run(event);
      return;
    }
  };
  onMounted(() => window.addEventListener('keydown', onKey));
  onBeforeUnmount(() => window.removeEventListener('keydown', onKey));
}
