/** The work behind `gauntlet images build|list|rm`, loaded only when the command runs. */
import { HarnessError } from "../../api/cluster.js";
import { requireEngine } from "./engine.js";
import { buildImage, etcdPlan, listImages, referencePlan, removeImages, type ImagePlan } from "./images.js";
import { consoleProgress } from "./progress.js";

export async function runImagesCommand(argv: {
  action: string;
  which: string;
  "etcd-binary": string;
  force: boolean;
}): Promise<number> {
  try {
    await requireEngine();
    if (argv.action === "list") {
      const imgs = await listImages();
      if (imgs.length === 0) console.log("no gauntlet images (build them with `gauntlet images build`)");
      for (const i of imgs) console.log(`${i.name}  ${(i.bytes / 1e6).toFixed(0)} MB  ${i.id.slice(7, 19)}`);
      return 0;
    }
    if (argv.action === "rm") {
      const gone = await removeImages();
      console.log(gone.length ? gone.map((n) => `removed ${n}`).join("\n") : "no gauntlet images");
      return 0;
    }
    const which = argv.which
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const plans: ImagePlan[] = [];
    for (const w of which) {
      if (w === "reference") plans.push(referencePlan());
      else if (w === "etcd") plans.push(etcdPlan(argv["etcd-binary"]));
      else throw new HarnessError(`--which: unknown image ${w} (known: reference, etcd)`);
    }
    for (const p of plans) {
      const r = await buildImage(p, consoleProgress(), argv.force);
      if (r.built)
        console.log(
          `${p.name} built in ${(r.ms / 1000).toFixed(1)} s (${(r.bytes / 1e6).toFixed(0)} MB root filesystem)`,
        );
      else console.log(`${p.name} already present`);
    }
    return 0;
  } catch (err) {
    console.error(`gauntlet images: ${err instanceof Error ? err.message : String(err)}`);
    return 3;
  }
}
