/**
 * A pure function's answers remembered by argument, up to `max` of them, then forgotten all at once: for what a
 * repository asks with the same few arguments tens of thousands of times (label keys, durations), without letting a
 * long-running process fed ever new arguments grow without end.
 */
export function boundedMemo<K, V>(compute: (key: K) => V, max: number): (key: K) => V {
  const seen = new Map<K, V>();
  return (key) => {
    let value = seen.get(key);
    if (value === undefined) {
      if (seen.size >= max) seen.clear();
      value = compute(key);
      seen.set(key, value);
    }
    return value;
  };
}
