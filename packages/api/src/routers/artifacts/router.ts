import { mergeRouters } from "../../trpc.js";
import { artifactsDraftsRouter } from "../drafts/router.js";
import { artifactsBrowseRouter } from "./browse.js";
import { artifactsEditRouter } from "./edits.js";
import { artifactsLogRouter } from "./log.js";
import { artifactsReadRouter } from "./queries.js";

/** Every `artifacts.*` procedure: one router per concern, merged under one namespace. */
export const artifactsRouter = mergeRouters(
  artifactsLogRouter,
  artifactsReadRouter,
  artifactsEditRouter,
  artifactsDraftsRouter,
  artifactsBrowseRouter,
);
