export function deprecationWarnings(_t: string, _o: unknown): never[] { return []; }
