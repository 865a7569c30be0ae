import { writeFile } from 'node:fs/promises';

import { schema } from '../server/schema/index.js';
import { printSortedSchema } from '../server/schema/print.js';

await writeFile(new URL('../schema.graphql', import.meta.url), printSortedSchema(schema));
console.log('Wrote schema.graphql');
