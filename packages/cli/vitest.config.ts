import { cairnProject } from "@cairn/vitest-config";

export default cairnProject("@cairn/cli");
