import fs from 'node:fs';
import { packageJsonFile } from './resources.ts';

export const version: string = (JSON.parse(fs.readFileSync(packageJsonFile(), 'utf8')) as { version: string }).version;
