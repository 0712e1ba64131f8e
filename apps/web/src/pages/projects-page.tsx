import { ErrorBox, Loading } from "../components/status.js";
import { useTrpcQuery } from "../query.js";
import { Link } from "../router.js";

/** Every project the caller may read. */
export function ProjectsPage() {
  const projects = useTrpcQuery("projects.list", {});
  return (
    <section>
      <h1>Projects</h1>
      {projects.isPending ? <Loading what="projects" /> : null}
      {projects.error ? <ErrorBox error={projects.error} /> : null}
      {projects.data && projects.data.length === 0 ? (
        <p className="muted">
          No projects you can read yet. Log an artifact with the client, or create a project with
          projects.create.
        </p>
      ) : null}
      {projects.data && projects.data.length > 0 ? (
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
      ) : null}
    </section>
  );
}
