/** The deterministic whole-server simulation (see README.md). */
export {
  defaultSchedule,
  simulateServer,
  storeDigest,
  type FaultEvent,
  type Schedule,
  type ServerSimOptions,
  type ServerSimResult,
} from "./simulation.js";
export type { ClientEvent, ClientF } from "./clients.js";
