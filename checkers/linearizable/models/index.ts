/**
 * The model registry: models by name for `--model`. Add a model by calling
 * `registerModel(name, factory)` (e.g. from a workload) or by adding it to `builtins` below.
 */
import type { Model } from "../types.js";
import { kvModel } from "./kv.js";
import { casRegisterModel, rwRegisterModel } from "./register.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModel = Model<any, any, any>;

const builtins: Record<string, () => AnyModel> = {
  register: rwRegisterModel,
  "cas-register": casRegisterModel,
  kv: kvModel,
};

const registry = new Map<string, () => AnyModel>(Object.entries(builtins));
/** One instance per name: the same functions from one check to the next keep V8's code optimized. */
const instances = new Map<string, AnyModel>();

/** Adds (or replaces) a model under a name. The factory is called once, on first use. */
export function registerModel(name: string, factory: () => AnyModel): void {
  registry.set(name, factory);
  instances.delete(name);
}

/** The model of that name; throws, listing the known names, if there is none. */
export function getModel(name: string): AnyModel {
  let m = instances.get(name);
  if (m) return m;
  const f = registry.get(name);
  if (!f) throw new Error(`unknown model "${name}" (known: ${modelNames().join(", ")})`);
  instances.set(name, (m = f()));
  return m;
}

/** The names of the registered models. */
export function modelNames(): string[] {
  return [...registry.keys()];
}

export { kvModel, casRegisterModel, rwRegisterModel };
