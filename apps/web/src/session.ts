import { createContext } from "react";

/** Who is using the app: pages phrase errors and offer actions by it. */
export interface Session {
  /** Browsing without an API key (public projects only). */
  anonymous: boolean;
}

/** The current {@link Session}, provided by the app shell. */
export const SessionContext = createContext<Session>({ anonymous: false });
