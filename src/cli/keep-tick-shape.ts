/**
 * Imported first by the command (bin.ts), so that it runs before the modules it loads make the
 * process's first full garbage collection: `tick-shape.ts` says why that matters.
 */
import { keepTickShape } from '../tick-shape.js';

keepTickShape();
