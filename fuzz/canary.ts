/**
 * The canary: a well-behaved client that checks, between and during fuzz inputs, that the server
 * still answers and answers right. One check = a put of a fresh value, then a read of that key
 * at the put's revision (immune to anything a fuzz input deletes or writes later) and a
 * linearizable read whose revision must not be below the put's.
 */
import { createClient, type EtcdClient } from "../harness/client/index.js";

export const CANARY_KEY = "gauntlet-fuzz-canary";

export interface CanaryResult {
  ok: boolean;
  ms: number;
  /** The call failed or timed out: its error. */
  error?: string;
  /** The server answered, wrongly: what was wrong. */
  wrong?: string;
}

export class Canary {
  private client: EtcdClient<string> | undefined;
  private n = 0;
  private lastRevision = 0;

  constructor(
    readonly endpoint: string,
    private readonly timeoutMs: number,
  ) {}

  private c(): EtcdClient<string> {
    this.client ??= createClient({ endpoint: this.endpoint, timeoutMs: this.timeoutMs });
    return this.client;
  }

  async check(): Promise<CanaryResult> {
    const started = performance.now();
    const value = `${process.pid}-${++this.n}-${Date.now()}`;
    const ms = (): number => performance.now() - started;
    try {
      const put = await this.c().put(CANARY_KEY, value);
      const rev = put.header.revision;
      if (rev < this.lastRevision)
        return {
          ok: false,
          ms: ms(),
          wrong: `put's revision ${rev} is below an earlier one (${this.lastRevision})`,
        };
      this.lastRevision = rev;
      const at = await this.c().get(CANARY_KEY, { revision: rev });
      const kv = at.kvs[0];
      if (!kv || kv.value !== value || kv.modRevision !== rev)
        return {
          ok: false,
          ms: ms(),
          wrong: `read at revision ${rev} returned ${kv ? `${JSON.stringify(kv.value)} (mod ${kv.modRevision})` : "nothing"}, expected ${JSON.stringify(value)}`,
        };
      const now = await this.c().get(CANARY_KEY);
      if (now.header.revision < rev)
        return {
          ok: false,
          ms: ms(),
          wrong: `linearizable read at revision ${now.header.revision}, below the put's ${rev}`,
        };
      return { ok: true, ms: ms() };
    } catch (e) {
      // A fresh connection next time: the old one may be what broke.
      this.close();
      return { ok: false, ms: ms(), error: e instanceof Error ? e.message : String(e) };
    }
  }

  /** Deletes every key and compacts to the current revision (servers the campaign owns only). */
  async wipe(): Promise<void> {
    const d = await this.c().delete("", { prefix: true });
    await this.c().compact(d.header.revision);
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }
}
