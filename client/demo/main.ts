import { CombinedError } from '@urql/core';

import { createTesseraClient, SecondFactorRequired, TesseraError, type TesseraUser } from '../index.js';

// A link from mail (`#action=…&token=…`) leaves the address bar before anything else happens; followed below.
const openedWith = takeMailLink();

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
const notice = element('notice');
const errorBox = element('error');
const loggedOut = element('logged-out');
const loggedIn = element('logged-in');
const profile = element<HTMLPreElement>('profile');
const sessionList = element<HTMLUListElement>('sessions');
const emailStatus = element('email-status');
const resendButton = element<HTMLButtonElement>('resend-verification-button');
const resetForm = element<HTMLFormElement>('reset-password-form');
const secondFactorForm = element<HTMLFormElement>('second-factor-form');
const secondFactorPasskeyButton = element<HTMLButtonElement>('second-factor-passkey-button');
const totpStatus = element('totp-status');
const totpEnrollButton = element<HTMLButtonElement>('totp-enroll-button');
const totpConfirmForm = element<HTMLFormElement>('totp-confirm-form');
const totpDisableForm = element<HTMLFormElement>('totp-disable-form');
const recoveryCodesBox = element('recovery-codes-box');
const passkeyList = element<HTMLUListElement>('passkeys');

function render(user: TesseraUser | null) {
  status.textContent = user ? `Logged in as ${user.username}.` : 'Not logged in.';
  loggedIn.hidden = !user;
  loggedOut.hidden = Boolean(user);
  if (!user) {
    profile.hidden = true;
    sessionList.replaceChildren();
    passkeyList.replaceChildren();
    recoveryCodesBox.hidden = true;
    passkeysShownFor = null;
    return;
  }
  secondFactorForm.hidden = true;
  totpStatus.textContent = user.mfaEnabled
    ? 'On: logging in with your password also asks for a code from the app.'
    : 'Off.';
  totpEnrollButton.hidden = user.mfaEnabled;
  totpDisableForm.hidden = !user.mfaEnabled;
  if (user.mfaEnabled) totpConfirmForm.hidden = true;
  if (passkeysShownFor !== user.id) {
    passkeysShownFor = user.id;
    void attempt(showPasskeys);
  }
  if (user.email === null) emailStatus.textContent = 'No email address: add one below.';
  else emailStatus.textContent = `${user.email}: ${user.emailVerified ? 'verified' : 'not verified yet'}.`;
  resendButton.hidden = user.email === null || user.emailVerified;
}

/** Tells what an action did (mail sent, address verified), in the status region. */
function say(message: string) {
  notice.textContent = message;
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
  notice.textContent = '';
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
    const user = await User.register(field(form, 'username'), email === '' ? null : email, field(form, 'password'));
    form.reset();
    if (user.email !== null && !user.emailVerified)
      say(`We sent a mail to ${user.email}: open its link to confirm it.`);
  });
});

/** The second step of the login in progress, once the password was right and a second factor is on. */
let secondStep: SecondFactorRequired | null = null;

/** Runs a login that may answer "second factor required": the second-step form then asks for it. */
async function logInWith(login: () => Promise<unknown>) {
  try {
    await login();
  } catch (error) {
    if (!(error instanceof SecondFactorRequired)) throw error;
    secondStep = error;
    secondFactorPasskeyButton.hidden = !error.methods.includes('PASSKEY');
    secondFactorForm.hidden = false;
    element('second-factor-code').focus();
  }
}

element<HTMLFormElement>('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  void attempt(async () => {
    await logInWith(() => User.login(field(form, 'username'), field(form, 'password')));
    form.reset();
  });
});

element('passkey-login-button').addEventListener('click', () => attempt(() => User.loginWithPasskey()));

/** Answers the second step; a dead one (expired, used, five wrong codes) closes the form: log in again. */
async function answerSecondStep(answer: (step: SecondFactorRequired) => Promise<unknown>) {
  if (!secondStep) return;
  try {
    await answer(secondStep);
  } catch (error) {
    if (error instanceof TesseraError && error.code === 'INVALID_TOKEN') closeSecondStep();
    throw error;
  }
  closeSecondStep();
}

function closeSecondStep() {
  secondStep = null;
  secondFactorForm.reset();
  secondFactorForm.hidden = true;
}

secondFactorForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const code = field(secondFactorForm, 'code');
  void attempt(() => answerSecondStep((step) => step.verify(code)));
});
secondFactorPasskeyButton.addEventListener('click', () =>
  attempt(() => answerSecondStep((step) => step.verifyWithPasskey())),
);

totpEnrollButton.addEventListener('click', () =>
  attempt(async () => {
    const enrollment = await User.enrollTotp();
    // As an image, not as markup: the page never puts server-made SVG into its document.
    element<HTMLImageElement>('totp-qr-code').src =
      `data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrollment.qrCodeSvg)}`;
    element('totp-secret').textContent = enrollment.secret;
    totpConfirmForm.hidden = false;
    element('totp-confirm-code').focus();
  }),
);

totpConfirmForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void attempt(async () => {
    const codes = await User.confirmTotp(field(totpConfirmForm, 'code'));
    totpConfirmForm.reset();
    totpConfirmForm.hidden = true;
    element('recovery-codes').textContent = codes.join('\n');
    recoveryCodesBox.hidden = false;
    say('The authenticator app is on.');
  });
});

totpDisableForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void attempt(async () => {
    await User.disableTotp(field(totpDisableForm, 'code'));
    totpDisableForm.reset();
    recoveryCodesBox.hidden = true;
    say('The authenticator app is off.');
  });
});

/** The user whose passkeys the list shows: it is loaded again only when another user logs in. */
let passkeysShownFor: string | null = null;

async function showPasskeys() {
  const passkeys = await User.passkeys();
  passkeyList.replaceChildren(
    ...passkeys.map((passkey) => {
      const item = document.createElement('li');
      const used = passkey.lastUsedAt ? `last used ${new Date(passkey.lastUsedAt).toLocaleString()}` : 'never used';
      item.textContent = `${passkey.name}, added ${new Date(passkey.createdAt).toLocaleString()}, ${used} `;
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = `Remove ${passkey.name}`;
      remove.addEventListener('click', () =>
        attempt(async () => (await User.deletePasskey(passkey.id), showPasskeys())),
      );
      item.append(remove);
      return item;
    }),
  );
  if (passkeys.length === 0)
    passkeyList.replaceChildren(Object.assign(document.createElement('li'), { textContent: 'None yet.' }));
}

element<HTMLFormElement>('add-passkey-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  void attempt(async () => {
    const passkey = await User.registerPasskey(field(form, 'name') || undefined);
    form.reset();
    await showPasskeys();
    say(`The passkey "${passkey.name}" is added: you can log in with it.`);
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

element<HTMLFormElement>('forgot-password-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  void attempt(async () => {
    const to = await User.requestPasswordReset(field(form, 'email'));
    form.reset();
    say(`If an account has the address ${to}, a mail with a link to choose a new password is on its way.`);
  });
});

element('sessions-button').addEventListener('click', () => attempt(showSessions));
element('logout-button').addEventListener('click', () => attempt(() => User.logout()));
element('logout-all-button').addEventListener('click', () => attempt(() => User.logoutAll()));

resendButton.addEventListener('click', () =>
  attempt(async () => say(`A new verification mail is on its way to ${await User.requestEmailVerification()}.`)),
);

element<HTMLFormElement>('change-email-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  void attempt(async () => {
    const to = await User.changeEmail(field(form, 'newEmail'), field(form, 'password'));
    form.reset();
    say(`We sent a mail to ${to}: your address changes once you open its link.`);
  });
});

element<HTMLFormElement>('delete-account-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  void attempt(async () => {
    await User.deleteAccount(field(form, 'password'));
    form.reset();
    say('Your account is deleted.');
  });
});

/** The token of the reset link this page was opened from, until the new password is set. */
let resetToken: string | undefined;

resetForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  void attempt(async () => {
    if (resetToken === undefined) return;
    try {
      await logInWith(() => User.resetPassword(resetToken!, field(form, 'newPassword')));
    } catch (error) {
      // A dead link stays dead: the form goes, and "Forgot password?" sends a new one. A refused password may retry.
      if (error instanceof TesseraError && error.code === 'INVALID_TOKEN') closeResetForm();
      throw error;
    }
    closeResetForm();
    say(
      secondStep
        ? 'Your password is changed, and you are logged out everywhere. Answer the second step to log in here.'
        : 'Your password is changed. You are logged in here, and logged out everywhere else.',
    );
  });
});

function closeResetForm() {
  resetToken = undefined;
  resetForm.reset();
  resetForm.hidden = true;
}

/**
 * The link from mail this page was opened with (`#action=…&token=…`), if any, taken out of the address bar at once
 * so that the token stays out of the history, bookmarks and anything shared from here.
 */
function takeMailLink(): { action: string; token: string } | null {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const action = fragment.get('action');
  const token = fragment.get('token');
  if (action === null || token === null) return null;
  history.replaceState(history.state, '', window.location.pathname + window.location.search);
  return { action, token };
}

/** Does what a link from mail asks: verify the address, or ask for the new password. */
async function followMailLink(link: { action: string; token: string }) {
  if (link.action === 'verify-email') {
    await attempt(async () => {
      const user = await User.verifyEmail(link.token);
      say(`The email address ${user.email} of ${user.username} is verified.`);
    });
  } else if (link.action === 'reset-password') {
    resetToken = link.token;
    resetForm.hidden = false;
    element('reset-new-password').focus();
  } else {
    errorBox.textContent = 'This page does not know what to do with the link it was opened with.';
  }
}

// A link opened in a tab already showing this page changes only the fragment: the page is not loaded again.
window.addEventListener('hashchange', () => {
  const link = takeMailLink();
  if (link) void followMailLink(link);
});

// Every login, refresh and logout, here or in another tab, redraws the page.
User.onChange(({ user }) => render(user));

// A stored (or, in cookie mode, restored) session shows; the server confirms it, or the client logs out if revoked.
// Then a link from mail is followed, if the page was opened with one (after, so that its answer is the newer).
void attempt(async () => {
  if (!(await User.ready())) return render(null);
  render(await User.me());
}).then(() => openedWith && followMailLink(openedWith));
