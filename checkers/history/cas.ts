/**
 * The value of a cas that did not swap (its comparison did not hold), as the linearizability
 * models read it. PROVISIONAL until checkers/linearizable/types.ts defines the encoding.
 */
export function notSwappedCas(value: unknown): unknown {
  return { cas: value, swapped: false };
}
