import { useQuery } from "@tanstack/react-query";
import { useContext } from "react";
import { ErrorBox, Loading } from "../components/status.js";
import { useTRPC } from "../query.js";
import { Link, useTitle } from "../router.js";
import { SessionContext } from "../session.js";

/** Every project the caller may read. */
export function ProjectsPage() {
  useTitle("Projects");
  const trpc = useTRPC();
  const { anonymous } = useContext(SessionContext);
  const projects = useQuery(trpc.projects.list.queryOptions({}));
  return (
    <section>
      <h1>Projects</h1>
      {projects.isPending ? <Loading what="projects" /> : null}
      {projects.error ? <ErrorBox error={projects.error} what="the projects" /> : null}
      {projects.data && projects.data.length === 0 ? (
        <p className="muted">
          {anonymous
            ? "No public projects here. Sign in to see private ones."
            : "No projects you can read yet. Log an artifact with the client or the CLI (cairn put) and its project appears here."}
        </p>
      ) : null}
      {projects.data && projects.data.length > 0 ? (
        <div className="table-scroll">
          <table>
            <caption className="sr-only">Projects</caption>
            <thead>
              <tr>
                <th scope="col">Project</th>
                <th scope="col">Visibility</th>
                <th scope="col">Your role</th>
                <th scope="col">Description</th>
              </tr>
            </thead>
            <tbody>
              {projects.data.map((p) => (
                <tr key={p.id}>
                  <td>
                    <Link to={{ page: "project", entity: p.entity, project: p.name }}>
                      {p.entity}/{p.name}
                    </Link>
                  </td>
                  <td>{p.visibility}</td>
                  <td>{p.role}</td>
                  <td>{p.description ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
