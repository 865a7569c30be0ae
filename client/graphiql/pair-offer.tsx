import { useState, useSyncExternalStore } from 'react';

import { adoptPair } from './auth-payload-offer.js';
import { describeError } from './describe-error.js';
import type { IdentityShelf } from './identity-shelf.js';
import type { LatestPair } from './latest-pair.js';

/** Under the response: when it holds a token pair, one click hands it to the panel as an identity. */
export function PairOffer({ shelf, latest }: { shelf: IdentityShelf; latest: LatestPair }) {
  const pair = useSyncExternalStore(latest.subscribe, latest.snapshot);
  const [error, setError] = useState('');
  if (!pair) return null;

  async function use() {
    if (!pair) return;
    setError('');
    try {
      // In cookie mode the login run in the editor took the origin's one cookie: the panel's one identity follows it.
      const identity = shelf.fresh();
      await adoptPair(identity, pair);
      shelf.add(identity);
      latest.set(null);
    } catch (caught) {
      setError(describeError(caught));
    }
  }

  return (
    <div className="tessera-pair-offer" role="status">
      This result holds a token pair{pair.username ? ` for ${pair.username}` : ''}.{' '}
      <button type="button" onClick={() => void use()}>
        Use this login
      </button>{' '}
      <button type="button" onClick={() => latest.set(null)}>
        Dismiss
      </button>
      {error && <span role="alert"> {error}</span>}
    </div>
  );
}
