/** Errors a backend raises while opening, shared so the CLI can report them whatever the backend. */
import { OperatorError } from '../core/operator-errors.js';

export class SchemaTooNewError extends OperatorError {
  constructor(found: number, known: number) {
    super(
      'store.schemaTooNew',
      `The database has schema version ${found}, but this dingread knows versions up to ${known}. ` +
        'It was written by a newer dingread: upgrade dingread, or point it at another database.',
    );
  }
}
