import { mergeRouters } from "../trpc.js";
import { artifactsLogRouter } from "./artifacts-log.js";

/** Every `artifacts.*` procedure: one router per concern, merged under one namespace. */
export const artifactsRouter = mergeRouters(artifactsLogRouter);
