import { CombinedError } from '@urql/core';

import { createTesseraClient, TesseraError, type TesseraUser } from '../index.js';

// The server says whether it keeps the refresh token in a cookie (REFRESH_TOKEN_COOKIE=true).
const settings = (await fetch('settings.json')
  .then((response) => response.json())
  .catch(() => ({ refreshTokenCookie: false }))) as { refreshTokenCookie: boolean };
const { User } = createTesseraClient({
  url: new URL('/graphql', window.location.href).href,
  refreshTokenCookie: settings.refreshTokenCookie,
});

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = element('status');
const errorBox = element('error');
const loggedOut = element('logged-out');
const loggedIn = element('logged-in');
const profile = element<HTMLPreElement>('profile');
const sessionList = element<HTMLUListElement>('sessions');

function render(user: TesseraUser | null) {
  status.textContent = user ? `Logged in as ${user.username}.` : 'Not logged in.';
  loggedIn.hidden = !user;
  loggedOut.hidden = Boolean(user);
  if (!user) {
    profile.hidden = true;
    sessionList.replaceChildren();
  }
}

function describe(error: unknown): string {
  if (error instanceof TesseraError) return error.field ? `${error.message} (${error.field})` : error.message;
  if (error instanceof CombinedError && error.networkError) return 'The server cannot be reached.';
  if (error instanceof CombinedError) return error.graphQLErrors.map((e) => e.message).join(' ');
  return String(error);
}

/** Runs an action, showing its failure (if any) in the alert region. */
async function attempt(action: () => Promise<unknown>) {
  errorBox.textContent = '';
  try {
    await action();
  } catch (error) {
    errorBox.textContent = describe(error);
  }
}

function field(form: HTMLFormElement, name: string): string {
  return (form.elements.namedItem(name) as HTMLInputElement).value;
}

element<HTMLFormElement>('register-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  void attempt(async () => {
    const email = field(form, 'email');
    await User.register(field(form, 'username'), email === '' ? null : email, field(form, 'password'));
    form.reset();
  });
});

element<HTMLFormElement>('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  void attempt(async () => {
    await User.login(field(form, 'username'), field(form, 'password'));
    form.reset();
  });
});

element('me-button').addEventListener('click', () =>
  attempt(async () => {
    profile.textContent = JSON.stringify(await User.me(), null, 2);
    profile.hidden = false;
  }),
);

async function showSessions() {
  const sessions = await User.sessions();
  sessionList.replaceChildren(
    ...sessions.map((session) => {
      const item = document.createElement('li');
      const since = new Date(session.createdAt).toLocaleString();
      item.textContent = `${session.current ? 'This device' : (session.userAgent ?? 'Unknown device')}, since ${since} `;
      if (!session.current) {
        const revoke = document.createElement('button');
        revoke.type = 'button';
        revoke.textContent = 'Revoke this session';
        revoke.addEventListener('click', () =>
          attempt(async () => (await User.revokeSession(session.id), showSessions())),
        );
        item.append(revoke);
      }
      return item;
    }),
  );
}

element('sessions-button').addEventListener('click', () => attempt(showSessions));
element('logout-button').addEventListener('click', () => attempt(() => User.logout()));
element('logout-all-button').addEventListener('click', () => attempt(() => User.logoutAll()));

// Every login, refresh and logout, here or in another tab, redraws the page.
User.onChange(({ user }) => render(user));

// A stored (or, in cookie mode, restored) session shows; the server confirms it, or the client logs out if revoked.
void attempt(async () => {
  if (!(await User.ready())) return render(null);
  render(await User.me());
});
