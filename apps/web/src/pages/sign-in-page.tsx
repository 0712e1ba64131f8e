import { type FormEvent, useState } from "react";
import { ANONYMOUS } from "../api-key-store.js";
import { useTitle } from "../router.js";

/**
 * Sign-in with an API key (`cairn_<keyId>_<secret>`). The key is kept in session storage only;
 * the server checks it on the first request (`accounts.whoami`), and a bad key lands back here.
 */
export function SignInPage(props: { onSignIn: (key: string) => void; problem?: string | null }) {
  useTitle("Sign in");
  const [key, setKey] = useState("");
  const [problem, setProblem] = useState<string | null>(props.problem ?? null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = key.trim();
    if (!/^cairn_[A-Za-z0-9]+_[A-Za-z0-9_-]+$/.test(trimmed)) {
      setProblem(
        "That does not look like a Cairn API key: keys look like cairn_<id>_<secret>. The first server start prints the admin's key; a project admin can create more.",
      );
      return;
    }
    props.onSignIn(trimmed);
  };
  return (
    <main id="main" className="sign-in">
      <h1>Sign in to Cairn</h1>
      <form onSubmit={submit} aria-describedby={problem ? "key-problem" : undefined}>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          placeholder="cairn_…"
          required
        />
        {problem ? (
          <p id="key-problem" className="error" role="alert">
            {problem}
          </p>
        ) : null}
        <button type="submit">Sign in</button>
      </form>
      <p className="muted">
        The key stays in this tab&apos;s session storage and is sent only to this server.
      </p>
      <button type="button" className="link" onClick={() => props.onSignIn(ANONYMOUS)}>
        Browse public projects without signing in
      </button>
    </main>
  );
}
