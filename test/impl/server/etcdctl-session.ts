/**
 * One etcdctl session (a list of commands) and the normalisation that makes transcripts of
 * etcd and of `gauntlet server` comparable: only IDs, timings, sizes and versions are
 * normalised; keys, values, revisions, counts, flags and error messages must match.
 */
import { etcdctl } from "./support.js";

export interface Step {
  args: string[];
  input?: string;
  /** For commands that never end by themselves (watch): killed after this long; output kept. */
  timeoutMs?: number;
  /** Wait before running (e.g. for a lease to expire). */
  sleepMs?: number;
}

export const session: Step[] = [
  { args: ["put", "foo", "bar"] },
  { args: ["put", "foo2", "bar2"] },
  { args: ["put", "/dir/a", "1"] },
  { args: ["put", "/dir/b", "2"] },
  { args: ["put", "/dir/c", "3"] },
  { args: ["get", "foo"] },
  { args: ["get", "foo", "-w", "json"] },
  { args: ["get", "/dir", "--prefix"] },
  { args: ["get", "/dir", "--prefix", "--keys-only"] },
  { args: ["get", "/dir", "--prefix", "--print-value-only"] },
  { args: ["get", "/dir/b", "--from-key"] },
  { args: ["get", "/dir", "--prefix", "--limit", "2", "-w", "json"] },
  { args: ["get", "/dir", "--prefix", "--sort-by=MODIFY", "--order=DESCEND"] },
  { args: ["get", "/dir", "--prefix", "--sort-by=VALUE", "--order=ASCEND", "--keys-only"] },
  { args: ["get", "foo", "--rev", "2"] },
  { args: ["get", "nothing-here"] },
  { args: ["get", "", "--prefix", "--keys-only"] },
  { args: ["put", "foo", "baz", "--prev-kv"] },
  { args: ["get", "foo", "-w", "json"] },
  { args: ["del", "foo", "--prev-kv"] },
  { args: ["del", "nothing-here"] },
  { args: ["del", "/dir/a", "--prev-kv", "-w", "json"] },
  { args: ["txn", "-i"], input: 'value("foo2") = "bar2"\n\nput foo2 swapped\nget foo2\n\nget foo2\n\n' },
  {
    args: ["txn", "-i", "-w", "json"],
    input: 'mod("foo2") = "1"\n\nput foo2 no\n\nput txnfail yes\nget foo2\n\n',
  },
  { args: ["txn", "-i"], input: 'version("foo2") > "0"\ncreate("foo2") < "100"\n\ndel foo2\n\n\n' },
  { args: ["lease", "grant", "100"] },
  { args: ["put", "leased", "v", "--lease=$LEASE"] },
  { args: ["get", "leased", "-w", "json"] },
  { args: ["lease", "timetolive", "$LEASE", "--keys"] },
  { args: ["lease", "keep-alive", "--once", "$LEASE"] },
  { args: ["lease", "list"] },
  { args: ["lease", "revoke", "$LEASE"] },
  { args: ["get", "leased"] },
  { args: ["lease", "timetolive", "$LEASE"] },
  { args: ["lease", "revoke", "$LEASE"] },
  { args: ["put", "withbadlease", "v", "--lease=1234abcd"] },
  { args: ["watch", "--rev", "1", "/dir", "--prefix"], timeoutMs: 1200 },
  { args: ["watch", "--rev", "2", "foo", "--prev-kv"], timeoutMs: 1200 },
  { args: ["compaction", "5"] },
  { args: ["get", "foo", "--rev", "3"] },
  { args: ["get", "foo", "--rev", "1000"] },
  { args: ["compaction", "4"] },
  { args: ["watch", "--rev", "2", "foo"], timeoutMs: 1200 },
  { args: ["get", "", "--from-key", "-w", "json"] },
  { args: ["lease", "grant", "1"] },
  { args: ["put", "shortlived", "v", "--lease=$LEASE"] },
  { args: ["get", "shortlived", "--print-value-only"] },
  { args: ["get", "shortlived", "-w", "json"], sleepMs: 3500 },
  { args: ["lease", "timetolive", "$LEASE"] },
  { args: ["lock", "mylock", "echo", "locked-and-ran"] },
  { args: ["get", "mylock", "--prefix", "--keys-only"] },
  { args: ["defrag"] },
  { args: ["endpoint", "health"] },
  { args: ["endpoint", "status", "-w", "json"] },
  { args: ["member", "list"] },
  { args: ["member", "list", "-w", "json"] },
  { args: ["alarm", "list"] },
  { args: ["snapshot", "save", "$DIR/snap.db"] },
  { args: ["put", "", "x"] },
  { args: ["get", "z", "--sort-by=VALUE", "--order=SIDEWAYS"] },
];

/** Runs the session against one endpoint; returns the transcript (raw, not normalised). */
export async function runSession(endpoint: string, dir: string): Promise<string> {
  let lease = "";
  const out: string[] = [];
  for (const step of session) {
    if (step.sleepMs) await new Promise((r) => setTimeout(r, step.sleepMs));
    const args = step.args.map((a) => a.replace("$LEASE", lease).replace("$DIR", dir));
    const r = await etcdctl(endpoint, args, { input: step.input, timeoutMs: step.timeoutMs });
    const granted = /lease ([0-9a-f]+) granted/.exec(r.stdout);
    if (granted) lease = granted[1]!;
    // zap log lines on stderr (snapshot save, client retries) carry timestamps: keep only the rest.
    const stderr = r.stderr
      .split("\n")
      .filter((l) => l !== "" && !l.startsWith("{"))
      .join("\n");
    out.push(
      `$ etcdctl ${step.args.join(" ")}${step.timeoutMs ? "  (killed after a while)" : ""}\n${r.stdout}${stderr ? `[stderr] ${stderr}\n` : ""}${step.timeoutMs ? "" : `[exit ${r.code}]\n`}`,
    );
  }
  return out.join("");
}

/** Replaces what may differ between two correct servers: IDs, timings, sizes, versions, paths. */
export function normalise(transcript: string, dir: string): string {
  const ids = new Map<string, string>();
  const id = (hex: string): string => {
    if (!ids.has(hex)) ids.set(hex, `<id${ids.size + 1}>`);
    return ids.get(hex)!;
  };
  return transcript
    .split(dir)
    .join("<dir>")
    .replace(/took = [0-9.]+[µmn]?s/g, "took = <t>")
    .replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:<port>")
    .replace(/remaining\(\d+s\)/g, "remaining(<n>s)")
    .replace(/"(version)":"[^"]*"/g, '"$1":"<v>"')
    .replace(
      /"(dbSize|dbSizeInUse|raftIndex|raftAppliedIndex|ID|lease|cluster_id|member_id|leader)":\d+/g,
      '"$1":<n>',
    )
    .replace(/\b(lease )([0-9a-f]{6,16})\b/g, (_m, p: string, h: string) => p + id(h))
    .replace(/\b([0-9a-f]{12,16})\b/g, (_m, h: string) => id(h));
}
