import type { AccessRole, ProjectVisibility } from "@cairn/core";

/** A project as the API describes it, with the caller's role in it. */
export interface ProjectInfo {
  id: string;
  entity: string;
  name: string;
  visibility: ProjectVisibility;
  description: string | null;
  protectedAliases: string[];
  createdAt: string;
  role: AccessRole;
}
