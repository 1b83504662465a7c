/**
 * The order writes must happen in: the Mesh first, then what policies refer to (destinations, routes), then the
 * policies; within a rank by mesh, type and name. Deletes run in the reverse order. One order for the desired state,
 * the plan and every report, so their output is deterministic and the same.
 */
import type { ResourceKey } from "../model/key.js";
import { compareText } from "../model/order.js";
import { typeRank } from "./types.js";

export function compareWriteOrder(a: ResourceKey, b: ResourceKey): number {
  return typeRank(a.type) - typeRank(b.type) || compareText(a.mesh, b.mesh) || compareText(a.type, b.type) || compareText(a.name, b.name);
}

/**
 * Sorts a copy in write order, each item's rank looked up once: this runs on 50,000 resources. `keyOf`: where an
 * item's key is, when the item is not one itself.
 */
export function sortForWrite<T extends ResourceKey>(items: readonly T[]): T[];
export function sortForWrite<T>(items: readonly T[], keyOf: (item: T) => ResourceKey): T[];
export function sortForWrite<T>(items: readonly T[], keyOf: (item: T) => ResourceKey = (item) => item as ResourceKey): T[] {
  const ranked = items.map((item) => {
    const key = keyOf(item);
    return { rank: typeRank(key.type), key, item };
  });
  ranked.sort((a, b) => a.rank - b.rank || compareText(a.key.mesh, b.key.mesh) || compareText(a.key.type, b.key.type) || compareText(a.key.name, b.key.name));
  return ranked.map((x) => x.item);
}
