/**
 * `npm run wal:dump -- <data-dir> [--entries]`: prints what a member's data dir holds, without
 * changing anything (unlike opening it, which cuts a torn tail): each WAL segment with its
 * records (offset, type, index/term or hard state or snapshot marker), the first damaged
 * record and whether it would be cut as a torn tail or stop the server as corruption, and
 * each snapshot file with its check. Like etcd's etcd-dump-logs, for looking at a data dir
 * that does not start. Exit code 0 when everything checks, 1 when something is damaged, 3 on
 * bad arguments.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { decodeAt, readEntry, readHardState, readSnapshotMarker, RecordType } from "../record.js";
import { judgeSegment, scanSegment } from "../scan.js";
import { SEGMENT_HEADER_BYTES, identifySegment, segmentRefusal } from "../wal-format.js";
import { SYNCED_FILE, decodeSyncedMark, syncedEnd } from "../synced.js";
import { sortedSegments } from "../segment-names.js";
import { decodeSnapshot, parseSnapName } from "../snap.js";

const typeNames: Record<number, string> = {
  [RecordType.Metadata]: "metadata",
  [RecordType.Entry]: "entry",
  [RecordType.HardState]: "hardstate",
  [RecordType.Snapshot]: "snapshot",
};

function preview(data: Uint8Array): string {
  const s = Buffer.from(data.subarray(0, 48)).toString("utf8");
  const printable = /^[\x20-\x7e]*$/.test(s);
  return printable
    ? JSON.stringify(s) + (data.length > 48 ? "…" : "")
    : `0x${Buffer.from(data.subarray(0, 24)).toString("hex")}…`;
}

function main(argv: string[]): number {
  const showEntries = argv.includes("--entries");
  const dirs = argv.filter((a) => !a.startsWith("--"));
  if (dirs.length !== 1 || argv.some((a) => a.startsWith("--") && a !== "--entries")) {
    console.error("usage: npm run wal:dump -- <data-dir> [--entries]");
    return 3;
  }
  const dataDir = dirs[0]!;
  const walDir = join(dataDir, "member", "wal");
  const snapDir = join(dataDir, "member", "snap");
  let damaged = false;
  let names: string[];
  try {
    names = readdirSync(walDir);
  } catch (err) {
    console.error(`wal:dump: cannot read ${walDir}: ${(err as Error).message}`);
    return 3;
  }
  const segs = sortedSegments(names);
  console.log(`WAL ${walDir}: ${segs.length} segment(s)`);
  let mark: ReturnType<typeof decodeSyncedMark> = "missing";
  try {
    mark = decodeSyncedMark(readFileSync(join(walDir, SYNCED_FILE)));
  } catch {
    // reported below
  }
  if (typeof mark === "string") {
    console.log(`  synced mark (${SYNCED_FILE}): ${mark} — a torn tail cannot be told from damage`);
    if (segs.length) damaged = true;
  } else console.log(`  synced mark: segment seq ${mark.seq}, byte ${mark.offset}`);
  for (const n of names) if (n.endsWith(".tmp")) console.log(`  leftover temp file ${n} (removed on open)`);
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    const file = join(walDir, seg.name);
    const isLast = i === segs.length - 1;
    if (i > 0 && seg.seq !== segs[i - 1]!.seq + 1) {
      console.log(`  MISSING segment(s) before ${seg.name}`);
      damaged = true;
    }
    const buf = readFileSync(file);
    const refusal = segmentRefusal(identifySegment(buf));
    if (refusal) {
      console.log(`  ${seg.name}: ${buf.length} bytes — ${refusal}; the server refuses this data dir`);
      damaged = true;
      continue;
    }
    let at = SEGMENT_HEADER_BYTES;
    const counts: Record<string, number> = {};
    let firstIdx: number | undefined;
    let lastIdx: number | undefined;
    console.log(`  ${seg.name}: ${buf.length} bytes, seq ${seg.seq}, first index ${seg.firstIndex}`);
    const synced = syncedEnd(mark, seg.seq, isLast, buf.length);
    while (at < buf.length) {
      const d = decodeAt(buf, at);
      if (!d.ok) {
        const v = judgeSegment(scanSegment(buf, at), buf.length, synced);
        const verdict =
          v.kind === "torn"
            ? "a torn tail (never synced): opening the data dir cuts it off here"
            : `CORRUPTION: opening the data dir fails here (${v.kind === "damaged" ? v.reason : d.reason})`;
        console.log(
          `    offset ${at}: bad record (${d.reason}); ${buf.length - at} bytes to the end — ${verdict}`,
        );
        damaged = true;
        break;
      }
      const name = typeNames[d.type] ?? String(d.type);
      counts[name] = (counts[name] ?? 0) + 1;
      let line = `    offset ${at}: ${name}`;
      if (d.type === RecordType.Entry) {
        const e = readEntry(d.payload);
        firstIdx ??= e.index;
        lastIdx = e.index;
        line += ` index ${e.index} term ${e.term} type ${e.type} ${e.data.length} bytes ${preview(e.data)}`;
        if (showEntries) console.log(line);
      } else {
        if (d.type === RecordType.HardState) line += ` ${JSON.stringify(readHardState(d.payload))}`;
        if (d.type === RecordType.Snapshot) line += ` ${JSON.stringify(readSnapshotMarker(d.payload))}`;
        if (d.type === RecordType.Metadata) line += ` ${preview(d.payload)}`;
        console.log(line);
      }
      at = d.end;
    }
    if (at === buf.length && buf.length < synced) {
      console.log(
        `    CORRUPTION: the file ends at byte ${buf.length} but was synced up to byte ${synced}: opening the data dir fails`,
      );
      damaged = true;
    }
    console.log(
      `    ${Object.entries(counts)
        .map(([k, v]) => `${v} ${k}`)
        .join(", ")}${firstIdx !== undefined ? `; entries ${firstIdx}..${lastIdx}` : ""}`,
    );
  }
  let snaps: string[] = [];
  try {
    snaps = readdirSync(snapDir).sort();
  } catch {
    console.log(`no snapshot directory ${snapDir}`);
  }
  if (snaps.length) console.log(`snapshots ${snapDir}:`);
  for (const n of snaps) {
    const path = join(snapDir, n);
    if (!parseSnapName(n)) {
      console.log(`  ${n}: ${statSync(path).size} bytes (not a snapshot name; ignored)`);
      continue;
    }
    try {
      const s = decodeSnapshot(readFileSync(path), path);
      console.log(`  ${n}: index ${s.index} term ${s.term}, ${s.data.length} data bytes, checksum ok`);
    } catch (err) {
      console.log(`  ${n}: BROKEN (${(err as Error).message})`);
      damaged = true;
    }
  }
  return damaged ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
