/**
 * One long-lived `git cat-file --batch-command` process answering every read a long-running reader makes between
 * two commits: the branch's commit, the commit itself (subject, author, parents), the trees that differ, blob sizes
 * and texts. A daemon commit used to spawn git seven times (rev-parse twice, merge-base, log, diff-tree, cat-file
 * twice), and a spawn from a process holding 500 MB costs 20 ms of CPU and up to 100 ms of wall time on a loaded
 * machine (fork copies the page tables): more than the rest of a one-file commit.
 *
 * The process reads refs and objects afresh on each request (a ref is re-read from its file, a new pack is found when
 * an object is missing), so it stays right while commits and fetches land. Requests are written with `--buffer` and
 * a `flush`, and answered in order. A process that fails (it died, or could not be spawned: EMFILE) rejects what was
 * waiting and is started again by the next request. An idle process does not keep Node running (it is unreferenced
 * while nothing waits on it), and ends when its input closes with the process that started it.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Socket } from "node:net";
import type { Readable, Writable } from "node:stream";
import { SourceError, gitFailure } from "./types.js";

export interface ObjectInfo {
  readonly id: string;
  readonly type: string;
  readonly size: number;
}

export interface GitObject extends ObjectInfo {
  readonly content: Buffer;
}

interface Request {
  readonly names: readonly string[];
  readonly contents: boolean;
  readonly answers: (ObjectInfo | GitObject | undefined)[];
  resolve(answers: (ObjectInfo | GitObject | undefined)[]): void;
  reject(error: Error): void;
}

export class GitObjects {
  readonly #cwd: string;
  #child: ChildProcessByStdio<Writable, Readable, Readable> | undefined;
  /** Requests written to the process, oldest first: the answers arrive in this order. */
  #waiting: Request[] = [];
  #chunks: Buffer[] = [];
  #buffered = 0;
  /**
   * Bytes that must be buffered before the next answer can be parsed (an object's content still arriving): chunks
   * are only collected until then. Joining them at every chunk copied a large tree (16,000 entries: 800 KB) once per
   * 64 KB chunk.
   */
  #needed = 0;
  #stderr = "";

  constructor(cwd: string) {
    this.#cwd = cwd;
  }

  /** The working copy this process reads. */
  get directory(): string {
    return this.#cwd;
  }

  /** Type and size of each object (any name git understands: an id, `refs/heads/main^{commit}`); undefined if missing. */
  info(names: readonly string[]): Promise<(ObjectInfo | undefined)[]> {
    return this.#request(names, false);
  }

  /** Each object with its content; undefined if missing. */
  contents(names: readonly string[]): Promise<(GitObject | undefined)[]> {
    return this.#request(names, true) as Promise<(GitObject | undefined)[]>;
  }

  /**
   * Starts the process now unless it runs: a spawn copies the page tables of the process that spawns, so a reader
   * about to grow large (a CLI that will parse a repository) starts it while it is small. A failed start is retried
   * by the next request, which then reports it.
   */
  start(): void {
    try {
      this.#process();
    } catch {
      // The next request starts it again.
    }
  }

  /** Ends the process (what is waiting is rejected). The next request starts a new one. */
  close(): void {
    const child = this.#child;
    if (!child) return;
    this.#fail(new SourceError("git cat-file: closed"));
    child.kill();
  }

  #request(names: readonly string[], contents: boolean): Promise<(ObjectInfo | GitObject | undefined)[]> {
    if (names.length === 0) return Promise.resolve([]);
    for (const name of names) if (/[\s]/.test(name) || name === "") return Promise.reject(new SourceError(`git cat-file: not an object name: ${JSON.stringify(name)}`));
    return new Promise((resolve, reject) => {
      let child: ChildProcessByStdio<Writable, Readable, Readable>;
      try {
        child = this.#process();
      } catch (error) {
        reject(error instanceof Error ? error : new SourceError(String(error)));
        return;
      }
      this.#waiting.push({ names, contents, answers: [], resolve, reject });
      this.#hold(child, true);
      const command = contents ? "contents" : "info";
      child.stdin.write(names.map((name) => `${command} ${name}\n`).join("") + "flush\n");
    });
  }

  #process(): ChildProcessByStdio<Writable, Readable, Readable> {
    if (this.#child) return this.#child;
    const child = spawn("git", ["cat-file", "--batch-command", "--buffer"], { cwd: this.#cwd, stdio: ["pipe", "pipe", "pipe"] });
    this.#child = child;
    this.#stderr = "";
    // Listened to at once: a spawn that fails (EMFILE, git missing) emits 'error', which unobserved ends the process.
    child.on("error", (error) => this.#ended(child, new SourceError(`git cat-file: ${error.message}`, { cause: error })));
    child.on("close", (code) => this.#ended(child, new SourceError(gitFailure(this.#cwd, `git cat-file exited (${code ?? "signal"})`, this.#stderr))));
    child.stdin.on("error", () => undefined); // the 'close' above says what went wrong
    this.#hold(child, false);
    child.stderr.on("data", (chunk: Buffer) => {
      if (this.#stderr.length < 4096) this.#stderr += chunk.toString();
    });
    child.stdout.on("data", (chunk: Buffer) => {
      if (this.#child !== child) return; // what a closed process still had on its way
      try {
        this.#receive(chunk);
      } catch (error) {
        this.#ended(child, error instanceof Error ? error : new SourceError(String(error)));
        child.kill();
      }
    });
    return child;
  }

  /** Keeps Node running while answers are awaited, and only then. */
  #hold(child: ChildProcessByStdio<Writable, Readable, Readable>, held: boolean): void {
    for (const handle of [child, child.stdin as Socket, child.stdout as Socket, child.stderr as Socket]) {
      if (held) handle.ref();
      else handle.unref();
    }
  }

  #ended(child: ChildProcessByStdio<Writable, Readable, Readable>, error: Error): void {
    if (this.#child !== child) return;
    this.#fail(error);
  }

  #fail(error: Error): void {
    this.#child = undefined;
    const waiting = this.#waiting;
    this.#waiting = [];
    this.#chunks = [];
    this.#buffered = 0;
    this.#needed = 0;
    for (const request of waiting) request.reject(error);
  }

  /** Splits the output into answers: `<id> <type> <size>` LF (then, for contents, the bytes and LF) or `<name> missing` LF. */
  #receive(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    if (this.#buffered < this.#needed) return;
    this.#needed = 0;
    for (;;) {
      const request = this.#waiting[0];
      if (!request || this.#buffered === 0) return;
      const buffer = this.#joined();
      const headerEnd = buffer.indexOf(10);
      if (headerEnd === -1) return;
      const header = buffer.toString("latin1", 0, headerEnd);
      const [id, type, size] = header.split(" ");
      let used = headerEnd + 1;
      if (id === undefined || type === undefined || type === "missing" || type === "ambiguous") {
        request.answers.push(undefined);
      } else {
        const bytes = Number(size);
        if (!Number.isInteger(bytes) || bytes < 0) throw new SourceError(`git cat-file: unexpected answer: ${header}`);
        if (!request.contents) request.answers.push({ id, type, size: bytes });
        else {
          if (buffer.length < used + bytes + 1) {
            this.#needed = used + bytes + 1; // the content is still arriving
            return;
          }
          // A copy when small: the answer outlives the chunk it came in, which would otherwise be kept whole. Content
          // that is most of the buffer (a large tree or blob, collected for it) is taken as it is.
          const content = buffer.subarray(used, used + bytes);
          request.answers.push({ id, type, size: bytes, content: bytes * 2 >= buffer.length ? content : Buffer.from(content) });
          used += bytes + 1;
        }
      }
      this.#consume(used);
      if (request.answers.length === request.names.length) {
        this.#waiting.shift();
        if (this.#waiting.length === 0 && this.#child) this.#hold(this.#child, false);
        request.resolve(request.answers);
      }
    }
  }

  #joined(): Buffer {
    if (this.#chunks.length > 1) this.#chunks = [Buffer.concat(this.#chunks)];
    return this.#chunks[0] ?? Buffer.alloc(0);
  }

  #consume(bytes: number): void {
    const rest = this.#joined().subarray(bytes);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#buffered = rest.length;
  }
}

/** A commit object's fields meshops uses. */
export interface CommitObject {
  readonly id: string;
  readonly tree: string;
  readonly parents: readonly string[];
  /** The author's name, and the author date as `git log --format=%aI` prints it (strict ISO 8601, author's offset). */
  readonly author: string;
  readonly date: string;
  /** As `%s`: the message's first paragraph, its lines joined by spaces. */
  readonly subject: string;
  /** An `encoding` header: the message is not UTF-8 (read it with git log instead). */
  readonly encoded: boolean;
}

/** Parses a raw commit object. Pure. */
export function parseCommit(id: string, content: Buffer): CommitObject {
  const text = content.toString("utf8");
  const split = text.indexOf("\n\n");
  const headers = (split === -1 ? text : text.slice(0, split)).split("\n");
  const message = split === -1 ? "" : text.slice(split + 2);
  let tree = "";
  const parents: string[] = [];
  let author = "";
  let date = "";
  let encoded = false;
  for (const line of headers) {
    if (line.startsWith("tree ")) tree = line.slice(5);
    else if (line.startsWith("parent ")) parents.push(line.slice(7));
    else if (line.startsWith("encoding ")) encoded = true;
    else if (line.startsWith("author ")) {
      const match = /^author (.*?) <[^>]*> (\d+) ([+-])(\d\d)(\d\d)$/.exec(line);
      if (match) {
        author = match[1] ?? "";
        date = isoDate(Number(match[2]), match[3] ?? "+", Number(match[4]), Number(match[5]));
      }
    }
  }
  const lines = message.replace(/^\n+/, "").split("\n");
  const end = lines.findIndex((line) => line.trim() === "");
  const subject = (end === -1 ? lines : lines.slice(0, end)).map((line) => line.trim()).join(" ");
  return { id, tree, parents, author, date, subject, encoded };
}

function isoDate(seconds: number, sign: string, hours: number, minutes: number): string {
  const offset = (sign === "-" ? -1 : 1) * (hours * 60 + minutes);
  const local = new Date((seconds + offset * 60) * 1000).toISOString().slice(0, 19);
  return `${local}${sign}${String(hours).padStart(2, "0")}:${String(minutes).padStart(2, "0")}`;
}

/** One entry of a tree object. */
interface TreeEntry {
  readonly mode: string;
  readonly name: string;
  readonly id: string;
}

/** A path whose mode or content differs between two commits, as `git diff-tree -r --raw --no-renames` names it. */
export interface TreeChange {
  readonly path: string;
  readonly oldMode: string;
  readonly newMode: string;
  readonly newBlobId: string;
}

const TREE_MODE = "040000";
/** The mode of a path a tree does not have: the old side of an addition, the new side of a deletion (as `git diff-tree --raw`). */
export const NO_MODE = "000000";

/**
 * What `git diff-tree -r --no-renames FROM TO` lists, limited to `root` (paths outside it may be left out): trees
 * with the same id are skipped whole, so a one-file commit reads the trees on that file's path, not the repository.
 * Two trees are compared as git does, by walking their entries (sorted the way git sorts them) side by side, and an
 * entry whose bytes are the same in both is passed over without being decoded: a folder of 16,000 files costs a byte
 * comparison per file.
 */
export async function diffCommits(objects: GitObjects, from: string, to: string, root: string): Promise<TreeChange[]> {
  const [a, b] = await objects.contents([from, to]);
  if (a?.type !== "commit" || b?.type !== "commit") throw new SourceError(`git: ${a?.type !== "commit" ? from : to} is not a commit`);
  const idBytes = from.length / 2;
  const changes: TreeChange[] = [];
  const zero = "0".repeat(from.length);
  const relevant = (dir: string) => root === "" || dir === root || dir.startsWith(`${root}/`) || root.startsWith(`${dir}/`);

  const trees = async (ids: readonly (string | undefined)[]): Promise<Buffer[]> => {
    const wanted = ids.filter((id): id is string => id !== undefined);
    const read = await objects.contents(wanted);
    const byId = new Map(read.map((o, i) => [wanted[i], o]));
    return ids.map((id) => {
      if (id === undefined) return EMPTY_TREE;
      const tree = byId.get(id);
      if (tree?.type !== "tree") throw new SourceError(`git: tree ${id} is missing`);
      return tree.content;
    });
  };
  /** Lists the difference of two trees at `dir` (either may be absent: everything in the other was added or removed). */
  const walk = async (dir: string, before: string | undefined, after: string | undefined): Promise<void> => {
    const [old = EMPTY_TREE, now = EMPTY_TREE] = await trees([before, after]);
    const below: Promise<void>[] = [];
    const changed = (o: TreeEntry | undefined, n: TreeEntry | undefined): void => {
      const name = (o ?? n) as TreeEntry;
      const path = dir === "" ? name.name : `${dir}/${name.name}`;
      const oTree = o?.mode === TREE_MODE ? o : undefined;
      const nTree = n?.mode === TREE_MODE ? n : undefined;
      if ((oTree || nTree) && relevant(path)) below.push(walk(path, oTree?.id, nTree?.id));
      const oFile = o && !oTree ? o : undefined;
      const nFile = n && !nTree ? n : undefined;
      if (oFile || nFile) changes.push({ path, oldMode: oFile?.mode ?? NO_MODE, newMode: nFile?.mode ?? NO_MODE, newBlobId: nFile?.id ?? zero });
    };
    let i = 0;
    let j = 0;
    while (i < old.length || j < now.length) {
      const o = i < old.length ? entryAt(old, i, idBytes) : undefined;
      const n = j < now.length ? entryAt(now, j, idBytes) : undefined;
      const order = !o ? 1 : !n ? -1 : compareEntries(old, o, now, n);
      if (order === 0) {
        if (old.compare(now, j, n?.end, i, o?.end) !== 0) changed(treeEntry(old, o as RawEntry, idBytes), treeEntry(now, n as RawEntry, idBytes));
      } else if (order < 0) changed(treeEntry(old, o as RawEntry, idBytes), undefined);
      else changed(undefined, treeEntry(now, n as RawEntry, idBytes));
      if (order <= 0) i = (o as RawEntry).end;
      if (order >= 0) j = (n as RawEntry).end;
    }
    await Promise.all(below);
  };
  await walk("", parseCommit(from, a.content).tree, parseCommit(to, b.content).tree);
  return changes;
}

const EMPTY_TREE = Buffer.alloc(0);

/** Where one entry of a raw tree lies: `<mode> <name>` NUL `<binary id>`, from `start` to `end`. */
interface RawEntry {
  readonly start: number;
  readonly space: number;
  readonly nul: number;
  readonly end: number;
  readonly tree: boolean;
}

function entryAt(content: Buffer, start: number, idBytes: number): RawEntry {
  const space = content.indexOf(32, start);
  const nul = content.indexOf(0, space);
  if (space === -1 || nul === -1 || nul + 1 + idBytes > content.length) throw new SourceError("git: a tree object that does not parse");
  // A tree's mode is written "40000".
  const tree = space - start === 5 && content[start] === 0x34 && content[start + 1] === 0x30;
  return { start, space, nul, end: nul + 1 + idBytes, tree };
}

function treeEntry(content: Buffer, at: RawEntry, idBytes: number): TreeEntry {
  return { mode: content.toString("latin1", at.start, at.space).padStart(6, "0"), name: content.toString("utf8", at.space + 1, at.nul), id: content.toString("hex", at.nul + 1, at.nul + 1 + idBytes) };
}

/**
 * Git's order of tree entries (base_name_compare): names byte by byte, a folder's name as if it ended in "/". So a
 * file and a folder of the same name are two entries, as git diff-tree sees them.
 */
function compareEntries(a: Buffer, x: RawEntry, b: Buffer, y: RawEntry): number {
  const xLength = x.nul - x.space - 1;
  const yLength = y.nul - y.space - 1;
  const length = Math.min(xLength, yLength);
  const bytes = a.compare(b, y.space + 1, y.space + 1 + length, x.space + 1, x.space + 1 + length);
  if (bytes !== 0) return bytes;
  const xNext = xLength > length ? (a[x.space + 1 + length] as number) : x.tree ? 0x2f : 0;
  const yNext = yLength > length ? (b[y.space + 1 + length] as number) : y.tree ? 0x2f : 0;
  return xNext - yNext;
}
