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
  const ranked = items.map((item) => ({ order: writeOrderKey(keyOf(item)), item }));
  ranked.sort((a, b) => (a.order < b.order ? -1 : a.order === b.order ? 0 : 1));
  return ranked.map((x) => x.item);
}

/**
 * compareWriteOrder as one string per item, so a comparison is one string comparison instead of up to four, each
 * twice over equal strings (in one mesh of 80,000 resources, the mesh and most types are equal): the rank as one
 * character, then mesh, type and name, each ended by NUL, which sorts before any character a name can hold, so a
 * shorter part sorts first as it does alone.
 */
function writeOrderKey(key: ResourceKey): string {
  return String.fromCharCode(RANK_BASE + typeRank(key.type)) + key.mesh + "\0" + key.type + "\0" + key.name;
}

/** typeRank is at least -1. */
const RANK_BASE = 0x42;
