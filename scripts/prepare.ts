// npm's `prepare`. In a clone (`npm install`, also a git dependency's install): build everything `npm start` uses —
// the client, the demo page and the PGlite template. `npm pack` and `npm publish` run `prepare` too, after
// `prepack` has built the client that the tarball carries; the demo and the template are not shipped, so skip them.
import { execSync } from 'node:child_process';

if (!['pack', 'publish'].includes(process.env.npm_command ?? '')) {
  execSync('npm run build', { stdio: 'inherit' });
}
