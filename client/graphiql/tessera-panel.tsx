import { useState, useSyncExternalStore, type FormEvent, type ReactNode } from 'react';

import { SecondFactorRequired } from '../errors.js';
import { describeError } from './describe-error.js';
import type { Identity, IdentityShelf } from './identity-shelf.js';
import { useNow } from './use-now.js';

/** A second step in progress: the identity that logged in with the password, and what it asks for. */
interface SecondStep {
  identity: Identity;
  step: SecondFactorRequired;
}

/** The panel: the identities (switch, log out, token lifetimes), and log in / register / second step. */
export function TesseraPanel({ shelf }: { shelf: IdentityShelf }) {
  useSyncExternalStore(shelf.subscribe, shelf.snapshot);
  const [error, setError] = useState('');
  const [secondStep, setSecondStep] = useState<SecondStep | null>(null);

  async function attempt(action: () => Promise<unknown>) {
    setError('');
    try {
      await action();
    } catch (caught) {
      setError(describeError(caught));
    }
  }

  /** Runs a login (or registration) on a fresh identity: on the shelf once it holds a session. */
  function logIn(event: FormEvent<HTMLFormElement>, run: (identity: Identity, form: FormData) => Promise<unknown>) {
    event.preventDefault();
    const form = event.currentTarget;
    void attempt(async () => {
      const identity = shelf.fresh();
      try {
        await run(identity, new FormData(form));
      } catch (caught) {
        if (!(caught instanceof SecondFactorRequired)) throw caught;
        setSecondStep({ identity, step: caught });
        return;
      }
      form.reset();
      shelf.add(identity);
    });
  }

  function finishSecondStep(answer: (step: SecondFactorRequired) => Promise<unknown>) {
    if (!secondStep) return;
    void attempt(async () => {
      await answer(secondStep.step);
      shelf.add(secondStep.identity);
      setSecondStep(null);
    });
  }

  const active = shelf.active();
  return (
    <section className="tessera-panel" aria-label="Tessera">
      <div className="graphiql-doc-explorer-title">Tessera</div>
      <p>
        The editor&apos;s requests carry the chosen identity&apos;s token (refreshed by itself), unless the Headers tab
        sets <code>Authorization</code>.
      </p>
      <fieldset>
        <legend>Identity for the editor</legend>
        <label>
          <input type="radio" name="tessera-identity" checked={!active} onChange={() => shelf.activate(null)} />
          No identity (no token)
        </label>
        {shelf.list().map((identity) => (
          <IdentityRow key={identity.id} identity={identity} shelf={shelf} attempt={attempt} />
        ))}
      </fieldset>
      {error && <p role="alert">{error}</p>}
      {secondStep ? (
        <form
          aria-label="Second step"
          onSubmit={(event) => {
            event.preventDefault();
            const code = String(new FormData(event.currentTarget).get('code'));
            finishSecondStep((step) => step.verify(code));
          }}
        >
          <label>
            Code from the authenticator app (or a recovery code)
            <input name="code" autoComplete="one-time-code" required />
          </label>
          <button type="submit">Verify</button>
          {secondStep.step.methods.includes('PASSKEY') && (
            <button type="button" onClick={() => finishSecondStep((step) => step.verifyWithPasskey())}>
              Use a passkey
            </button>
          )}
          <button type="button" onClick={() => setSecondStep(null)}>
            Cancel
          </button>
        </form>
      ) : shelf.canAdd() ? (
        <>
          <form
            aria-label="Log in"
            onSubmit={(event) => logIn(event, (i, f) => i.User.login(text(f, 'username'), text(f, 'password')))}
          >
            <Field label="Username" name="username" autoComplete="username" />
            <Field label="Password" name="password" type="password" autoComplete="current-password" />
            <button type="submit">Log in</button>
          </form>
          <form
            aria-label="Register"
            onSubmit={(event) =>
              logIn(event, (i, f) =>
                i.User.register(text(f, 'username'), text(f, 'email') || null, text(f, 'password')),
              )
            }
          >
            <Field label="Username" name="username" autoComplete="username" />
            <Field label="Email (optional)" name="email" type="email" required={false} />
            <Field label="Password" name="password" type="password" autoComplete="new-password" />
            <button type="submit">Register</button>
          </form>
        </>
      ) : (
        <p>
          Cookie mode: the browser holds one refresh cookie, so one identity at a time. Log out to log in as someone
          else.
        </p>
      )}
    </section>
  );
}

function IdentityRow(props: {
  identity: Identity;
  shelf: IdentityShelf;
  attempt: (a: () => Promise<unknown>) => void;
}) {
  const { identity, shelf, attempt } = props;
  const now = useNow(identity.clock);
  const session = identity.session.current;
  if (!session) return null;
  const left = Math.round((Date.parse(session.accessTokenExpiresAt) - now) / 1000);
  const { username, role } = session.user;
  return (
    <div className="tessera-identity">
      <label>
        <input
          type="radio"
          name="tessera-identity"
          checked={shelf.active() === identity}
          onChange={() => shelf.activate(identity.id)}
        />
        {username} ({role})
      </label>
      <small>{left > 0 ? `token: ${duration(left)} left` : 'token expired: renewed on the next request'}</small>
      <button type="button" aria-label={`Log out ${username}`} onClick={() => attempt(() => shelf.logOut(identity))}>
        Log out
      </button>
    </div>
  );
}

function Field(props: { label: string; name: string; type?: string; autoComplete?: string; required?: boolean }) {
  return (
    <label>
      {props.label}
      <input
        name={props.name}
        type={props.type ?? 'text'}
        autoComplete={props.autoComplete}
        required={props.required ?? true}
      />
    </label>
  );
}

const text = (form: FormData, name: string) => String(form.get(name) ?? '');

function duration(seconds: number): ReactNode {
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes}m ${seconds % 60}s` : `${seconds}s`;
}
