import { builder } from './builder.js';
import './errors.js';
import './user.js';
import './auth.js';
import './account-recovery.js';
import './session.js';
import './auth-events.js';
import './mfa.js';
import './passkeys.js';

export const schema = builder.toSchema();
