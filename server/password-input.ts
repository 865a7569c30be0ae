import type { Readable } from 'node:stream';

/**
 * Reads a password for the operator command, never from its arguments (which `ps` and shell history show): the first
 * line of standard input when it is a pipe or a file, or else typed at a prompt that does not echo it, twice.
 * Resolves null when standard input ends with no line.
 */
export async function readPassword(prompt: string): Promise<string | null> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return readFirstLine(stdin);
  const password = await readHidden(`${prompt}: `);
  const again = await readHidden(`${prompt} (again): `);
  if (password !== again) throw new PasswordInputError('The passwords do not match.');
  return password;
}

/** The operator gave up (Ctrl-C), or typed two different passwords: said plainly, no stack. */
export class PasswordInputError extends Error {
  override name = 'PasswordInputError';
}

/** The first line (without its line ending), or null for none; the rest of the input is left unread. */
function readFirstLine(input: Readable): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (line: string | null) => {
      input.off('data', onData).off('end', onEnd).off('error', reject);
      // Nothing more is read: a writer that keeps the pipe open must not keep this process alive.
      input.destroy();
      resolve(line);
    };
    const onData = (chunk: Buffer | string) => {
      text += String(chunk);
      const end = text.indexOf('\n');
      if (end >= 0) finish(text.slice(0, end).replace(/\r$/, ''));
    };
    const onEnd = () => finish(text === '' ? null : text.replace(/\r$/, ''));
    input.setEncoding('utf8');
    input.on('data', onData).on('end', onEnd).on('error', reject);
  });
}

/** Reads one line from the terminal in raw mode, echoing nothing. */
function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  // Echo off before the prompt shows, so nothing typed after it is ever echoed.
  stdin.setRawMode(true);
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish();
        if (char === '\u0003') return finish(new PasswordInputError('Cancelled.'));
        if (char === '\u007f' || char === '\b') value = [...value].slice(0, -1).join('');
        else value += char;
      }
    };
    stdin.setEncoding('utf8');
    stdin.resume();
    stdin.on('data', onData);
  });
}
