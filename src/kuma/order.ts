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

/** Sorts a copy in write order, each item's rank looked up once: this runs on 50,000 resources. */
export function sortForWrite<T extends ResourceKey>(items: readonly T[]): T[] {
  const ranked = items.map((item) => ({ rank: typeRank(item.type), item }));
  ranked.sort((a, b) => a.rank - b.rank || compareText(a.item.mesh, b.item.mesh) || compareText(a.item.type, b.item.type) || compareText(a.item.name, b.item.name));
  return ranked.map((x) => x.item);
}
