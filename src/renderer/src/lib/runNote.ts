/**
 * What a run's curves mean when they cannot be read as plainly as a CoT run's: a short note
 * shown above them on the run page. Null when the curves speak for themselves.
 */
export function runNote(config: Record<string, unknown> | null): string | null {
  if (config?.frontier_supervision === true) {
    const thoughtLabels =
      config.frontier_thought_labels === true ? 'Each thought is also trained to name a node of its own frontier through the LM head. ' : '';
    return (
      'Frontier supervision: at stage j the model is trained, after j continuous thoughts, to name a node that the root reaches in exactly j + 1 edges ' +
      '(a different one of them for each sample), so its thoughts learn to hold the whole search frontier rather than one path. ' +
      thoughtLabels +
      'Before the final stage it names nodes rather than answering, so its accuracy is low there by design: read the final stage, against a CoT run on the same data.'
    );
  }
  return null;
}
