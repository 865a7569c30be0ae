import { builder } from './builder.js';
import './errors.js';
import './user.js';
import './auth.js';

export const schema = builder.toSchema();
