import { useEffect, useState } from 'react';

/** The time by `clock` (the server's, for token expiries), again every second: for lifetimes that count down. */
export function useNow(clock: { now(): number }): number {
  const [time, setTime] = useState(() => clock.now());
  useEffect(() => {
    const timer = setInterval(() => setTime(clock.now()), 1_000);
    return () => clearInterval(timer);
  }, [clock]);
  return time;
}
