/** Statements gathered into one simple query: a transaction's opening, a unit's steps, a group's rounds. */
import type pg from 'pg';
import type { Step } from '../sql/unit.js';

/**
 * The start of a transaction, held back until the unit first needs a result: BEGIN and the locks
 * (which answer nothing the unit reads) go to the database with the next statement, as one simple
 * query, and that statement goes as an EXECUTE of its prepared form (executeSql), so a group
 * send's BEGIN, chat lock, insert and COMMIT are one round trip. Their text holds no parameter
 * (lockSql writes its keys as escaped literals). A unit that ends before needing anything sends
 * its COMMIT along too.
 */
export class Opening {
  readonly statements: string[];
  /** Whether the unit runs in a transaction (it began with BEGIN), which it may commit early. */
  readonly inTransaction: boolean;
  /** Whether the COMMIT went with the unit's last statement. */
  committed = false;
  /** PREPAREs in the batch being gathered, each with its connection's set to note it in once it ran. */
  readonly preparing = new Map<string, Set<string>>();
  /** A batch with a PREPARE failed, so which statements the connection holds is no longer known. */
  unsure = false;

  constructor(begin?: string) {
    this.statements = begin === undefined ? [] : [begin];
    this.inTransaction = begin !== undefined;
  }

  async flush(client: pg.PoolClient): Promise<pg.QueryResult[]> {
    if (this.statements.length === 0) return [];
    const text = this.statements.join(';\n');
    this.statements.length = 0;
    let result: pg.QueryResult | pg.QueryResult[];
    try {
      result = (await client.query(text)) as pg.QueryResult | pg.QueryResult[];
    } catch (error) {
      if (this.preparing.size > 0) this.unsure = true;
      throw error;
    }
    for (const [name, known] of this.preparing) known.add(name);
    this.preparing.clear();
    return Array.isArray(result) ? result : [result];
  }
}

/**
 * A parameter written as a literal, or undefined when it cannot be: null, finite numbers, booleans
 * and text (escaped by the driver: quotes doubled, backslashes in E'' form).
 */
export function literalOf(client: pg.PoolClient, value: unknown): string | undefined {
  if (value === null || value === undefined) return 'NULL';
  // In parentheses, so that a negative number after a minus sign cannot read as a comment.
  if (typeof value === 'number') return Number.isFinite(value) ? `(${String(value)})` : undefined;
  if (typeof value === 'string') return client.escapeLiteral(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return undefined;
}

/** A step's answer from its statement's result. */
export function resultOf(step: Step, result: pg.QueryResult): unknown {
  switch (step.op) {
    case 'get':
      return result.rows[0];
    case 'all':
      return result.rows;
    case 'column':
      return result.rows.map((row: Record<string, unknown>) => Object.values(row)[0]);
    default:
      return result.rowCount ?? 0;
  }
}
