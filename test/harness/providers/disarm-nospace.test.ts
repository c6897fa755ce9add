/**
 * The disk nemesis's `free` ends with disarmNoSpace (harness/providers/member-calls.ts): against
 * a real reference server with a NOSPACE alarm, the alarm is gone afterwards (asked of the
 * freed member; another running member when it is down) and a dead endpoint is only logged.
 */
import { afterAll, describe, expect, it } from "vitest";
import { disarmNoSpace } from "../../../harness/providers/member-calls.js";
import { etcdctl as etcdctlCap } from "../../support/env.js";
import { connect } from "../../impl/server/grpc-client.js";
import {
  etcdctl,
  freePort,
  removeDir,
  removePrivateBuild,
  startServer,
  tempDir,
  type Proc,
} from "../../impl/server/support.js";

describe.skipIf(!etcdctlCap.ok)(`disarmNoSpace (${etcdctlCap.why})`, () => {
  const dir = tempDir("gauntlet-disarm-");
  let server: Proc | undefined;
  afterAll(async () => {
    await server?.stop("SIGKILL");
    removeDir(dir);
    removePrivateBuild();
  });

  it("disarms the freed member's NOSPACE alarm; logs, never throws, when no member answers", async () => {
    server = await startServer({
      kind: "gauntlet",
      dataDir: `${dir}/data`,
      clientPort: await freePort(),
      peerPort: await freePort(),
    });
    const raise = async () => {
      const g = connect(server!.endpoint);
      try {
        await g.maintenance("Alarm", { action: 1, memberID: 0, alarm: 1 }, 5000);
      } finally {
        g.close();
      }
      expect((await etcdctl(server!.endpoint, ["alarm", "list"])).stdout).toMatch(/alarm:NOSPACE/);
    };
    const dead = `127.0.0.1:${await freePort()}`;
    const lines: string[] = [];
    // The freed member n1 answers.
    await raise();
    await disarmNoSpace(
      [
        { name: "n1", endpoint: server.endpoint, running: true, paused: false },
        { name: "n2", endpoint: dead, running: true, paused: false },
      ],
      "n1",
      (l) => lines.push(l),
    );
    expect((await etcdctl(server.endpoint, ["alarm", "list"])).stdout).toBe("");
    expect(lines.some((l) => /alarm NOSPACE of member \d+ disarmed \(via n1\)/.test(l))).toBe(true);
    // The freed member n2 is down: another running member (n1) is asked.
    await raise();
    await disarmNoSpace(
      [
        { name: "n2", endpoint: dead, running: false, paused: false },
        { name: "n1", endpoint: server.endpoint, running: true, paused: false },
      ],
      "n2",
      (l) => lines.push(l),
    );
    expect((await etcdctl(server.endpoint, ["alarm", "list"])).stdout).toBe("");
    // Nobody answers: logged, not thrown.
    lines.length = 0;
    await disarmNoSpace([{ name: "n2", endpoint: dead, running: true, paused: false }], "n2", (l) =>
      lines.push(l),
    );
    expect(lines.join("\n")).toMatch(/alarm disarm via n2:/);
  }, 30_000);
});
