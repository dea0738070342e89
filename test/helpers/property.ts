/**
 * fast-check, configured once for every property test: one seed per run, printed, so that any
 * failure can be replayed (`DINGREAD_FC_SEED=S npm test`; fast-check's failure message adds the
 * path of the shrunk counterexample, which `fc.assert(…, { seed, path })` replays alone). The default
 * seed is fixed, so that a run is repeatable; set DINGREAD_FC_SEED to explore others.
 */
import fc from 'fast-check';

export const PROPERTY_SEED = Number(process.env['DINGREAD_FC_SEED'] ?? 20_251_203);
if (!Number.isSafeInteger(PROPERTY_SEED)) throw new Error(`DINGREAD_FC_SEED must be an integer, not ${process.env['DINGREAD_FC_SEED']}`);
fc.configureGlobal({ seed: PROPERTY_SEED });
console.log(`# fast-check seed ${PROPERTY_SEED} (replay with DINGREAD_FC_SEED=${PROPERTY_SEED})`);

export { fc };
