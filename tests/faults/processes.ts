/** Spawning the built (or source) server and worker apps: shared with the scale-out suite. */
export * from "../scale-out/processes.js";
