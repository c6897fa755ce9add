/** The deterministic whole-server simulation (see README.md). */
export { simulateServer, storeDigest, type ServerSimOptions, type ServerSimResult } from "./simulation.js";
export type { ClientEvent, ClientF } from "./clients.js";
