/**
 * The checker's own models by name. A workload's model (e.g. etcd-register) is not named here:
 * the caller passes the model itself (`check(history, { model })`), and the CLI's table
 * (cli/tables.ts) maps every name a user can give to a model.
 */
import type { Model } from "../types.js";
import { kvModel } from "./kv.js";
import { casRegisterModel, rwRegisterModel } from "./register.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModel = Model<any, any, any>;

export const builtinModels: Readonly<Record<string, () => AnyModel>> = {
  register: rwRegisterModel,
  "cas-register": casRegisterModel,
  kv: kvModel,
};

/** One instance per name: the same functions from one check to the next keep V8's code optimized. */
const instances = new Map<string, AnyModel>();

/** The built-in model of that name; throws, listing the known names, if there is none. */
export function getModel(name: string): AnyModel {
  let m = instances.get(name);
  if (m) return m;
  const f = builtinModels[name];
  if (!f) throw new Error(`unknown model "${name}" (known: ${modelNames().join(", ")})`);
  instances.set(name, (m = f()));
  return m;
}

/** The names of the built-in models. */
export function modelNames(): string[] {
  return Object.keys(builtinModels);
}

export { kvModel, casRegisterModel, rwRegisterModel };
