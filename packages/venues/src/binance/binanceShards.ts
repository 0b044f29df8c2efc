/** One connection's share of the streams. `id` undefined: a connection to open. */
export interface ShardPlan {
  id: number | undefined;
  streams: string[];
}

/**
 * Spreads the wanted streams over connections of at most `limit` streams each, moving as little as
 * possible: a stream that stays wanted stays on its connection; new streams fill the free room of
 * existing connections first, then new connections. Connections left empty are absent from the
 * result (to be closed). Pure.
 */
export function assignStreams(
  current: ReadonlyArray<{ id: number; streams: readonly string[] }>,
  wanted: readonly string[],
  limit: number,
): ShardPlan[] {
  const want = new Set(wanted);
  const placed = new Set<string>();
  const plans: ShardPlan[] = current.map(({ id, streams }) => {
    const kept = streams.filter((s) => want.has(s) && !placed.has(s)).slice(0, limit);
    for (const s of kept) placed.add(s);
    return { id, streams: kept };
  });
  const fresh = [...want].filter((s) => !placed.has(s));
  for (const plan of plans) {
    while (plan.streams.length < limit && fresh.length > 0) plan.streams.push(fresh.shift()!);
  }
  while (fresh.length > 0) plans.push({ id: undefined, streams: fresh.splice(0, limit) });
  return plans.filter((plan) => plan.streams.length > 0);
}
