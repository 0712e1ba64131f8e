import { mergeRouters } from "../trpc.js";
import { artifactsBrowseRouter } from "./artifacts-browse.js";
import { artifactsDraftsRouter } from "./artifacts-drafts.js";
import { artifactsEditRouter } from "./artifacts-edit.js";
import { artifactsLogRouter } from "./artifacts-log.js";
import { artifactsReadRouter } from "./artifacts-read.js";

/** Every `artifacts.*` procedure: one router per concern, merged under one namespace. */
export const artifactsRouter = mergeRouters(
  artifactsLogRouter,
  artifactsReadRouter,
  artifactsEditRouter,
  artifactsDraftsRouter,
  artifactsBrowseRouter,
);
