/**
 * `gauntlet images`: build, list and remove the local images the docker provider runs
 * (docs/images.md). `build` makes `gauntlet/reference:<version>` and `gauntlet/etcd:<version>`
 * from the files on this machine, with no registry; `gauntlet run --provider docker` also builds
 * a missing one on demand.
 */
import type { CommandModule } from "yargs";

interface Argv {
  action: "build" | "list" | "rm";
  which: string;
  "etcd-binary": string;
  force: boolean;
}

export const imagesCommand: CommandModule<object, Argv> = {
  command: "images <action>",
  describe: "build, list or remove the docker provider's local images (no registry needed)",
  builder: (y) =>
    y
      .positional("action", { choices: ["build", "list", "rm"] as const, demandOption: true })
      .option("which", {
        type: "string",
        default: "reference,etcd",
        describe: "build: which images (reference, etcd, or both)",
      })
      .option("etcd-binary", {
        type: "string",
        default: "etcd",
        describe: "build: the etcd binary to put in gauntlet/etcd (a path, or a name on PATH)",
      })
      .option("force", { type: "boolean", default: false, describe: "build: rebuild even when present" })
      .example("$0 images build", "build gauntlet/reference and gauntlet/etcd")
      .example(
        "$0 images build --which etcd --etcd-binary ./etcd-v3.5.17/etcd",
        "an etcd image from another binary",
      )
      .example("$0 images rm", "remove every image labelled gauntlet"),
  handler: async (argv) => {
    const { runImagesCommand } = await import("../../harness/providers/docker/images-command.js");
    process.exitCode = await runImagesCommand(argv);
  },
};
