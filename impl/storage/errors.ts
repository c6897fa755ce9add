/**
 * Typed errors of `impl/storage`. Expected outcomes a caller must act on (a full disk, a
 * corrupted log) are distinct classes so the server can map them: `NoSpaceError` raises etcd's
 * NOSPACE alarm and fails the write definitely (nothing of it is on disk); `CorruptRecordError`
 * and `CorruptSnapshotError` stop the server at start-up, naming the file and offset.
 */

/** Base class of every error this module throws on purpose. */
export class StorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The disk is full (ENOSPC) or over quota (EDQUOT). The rejected records are not on disk (the
 * log was cut back to its last good offset); later appends succeed once space is freed.
 */
export class NoSpaceError extends StorageError {
  readonly code: string;
  constructor(
    readonly path: string,
    cause: NodeJS.ErrnoException,
  ) {
    super(`storage: no space left on device writing ${path} (${cause.code ?? "ENOSPC"})`, { cause });
    this.code = cause.code ?? "ENOSPC";
  }
}

/**
 * A WAL record that was synced (acknowledged) fails its checksum, cannot be read, or is gone:
 * damage, not a torn tail. `atRisk` says which entries the damage reaches; the files are left
 * as they are.
 */
export class CorruptRecordError extends StorageError {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
    readonly atRisk = "",
  ) {
    super(
      `storage: corrupt WAL record in ${file} at byte offset ${offset}: ${reason}${atRisk ? `. ${atRisk}` : ""}. The files were left as they are (inspect them with \`npm run wal:dump\`; --force-truncate-wal cuts the log at this offset, losing what follows)`,
    );
  }
}

/**
 * The data dir holds files this server did not write (e.g. etcd's data dir) or a WAL in a
 * format it does not read. Nothing in it was changed.
 */
export class ForeignDataDirError extends StorageError {
  constructor(
    readonly dir: string,
    readonly found: readonly string[],
    hint: string,
  ) {
    super(
      `storage: refusing to use data dir ${dir}: it was not written by this server (${found.join("; ")}). ${hint ? `${hint} ` : ""}Nothing in it was changed.`,
    );
  }
}

/** The log as a whole is inconsistent: a missing segment, a gap in indexes, a missing snapshot. */
export class WalInconsistentError extends StorageError {}

/** A snapshot file fails its checksum or its header is malformed. */
export class CorruptSnapshotError extends StorageError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`storage: corrupt snapshot ${file}: ${reason}`);
  }
}

/**
 * The log hit an I/O failure it could not undo (e.g. cutting back a partial write failed); it
 * refuses every further append until reopened, so nothing unacknowledged can become durable.
 */
export class WalFailedError extends StorageError {}

/** The log or storage was closed. */
export class WalClosedError extends StorageError {
  constructor() {
    super("storage: WAL is closed");
  }
}

/** True for the errno codes meaning "the disk is full". */
export function isNoSpace(err: unknown): err is NodeJS.ErrnoException {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOSPC" || code === "EDQUOT";
}
