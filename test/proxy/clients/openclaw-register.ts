/** `node --import …/openclaw-register.js`: installs openclaw-hooks.ts before the plugin loads. */
import { register } from 'node:module';

register('./openclaw-hooks.js', import.meta.url);
