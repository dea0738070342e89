/**
 * Injected faults: for DingTalk API requests that match (path, appKey, robotCode, any subset), an
 * error in DingTalk's envelope, added latency or a dropped connection, with a probability or for
 * a number of times. Faults are runtime state of one server, not part of the store: a restart or
 * `DELETE /_dingread/v1/faults` forgets them.
 */
import { fail } from './errors.js';
import type { RandomSource } from './random.js';

export interface FaultMatch {
  /** The exact request path, without the query string, such as `/v1.0/robot/groupMessages/query`. */
  path?: string;
  appKey?: string;
  robotCode?: string;
}

export interface FaultError {
  /** HTTP status, 400 to 599. */
  status: number;
  code: string;
  message?: string;
}

export interface FaultSpec {
  match?: FaultMatch;
  error?: FaultError;
  latencyMs?: number;
  drop?: boolean;
  /** Chance (0 to 1) that a matching request is hit; 1 by default. */
  probability?: number;
  /** Fire this many times, then remove the fault; without it the fault stays until deleted. */
  count?: number;
}

export interface Fault extends FaultSpec {
  id: string;
  /** How many requests it has hit so far. */
  fired: number;
}

/** What a request is in for: a delay first, then an error or a dropped connection, or nothing. */
export interface FaultOutcome {
  latencyMs: number;
  error?: FaultError;
  drop?: true;
  /** Ids of the faults that fired. */
  fired: string[];
}

export interface FaultTarget {
  path: string;
  appKey: string | undefined;
  robotCode: string | undefined;
}

export class FaultRegistry {
  private readonly faults: Fault[] = [];
  private nextId = 1;

  constructor(private readonly random: RandomSource) {}

  add(spec: FaultSpec): Fault {
    if (spec.error === undefined && spec.latencyMs === undefined && spec.drop !== true) {
      fail('invalidParameter.param.invalid', 'a fault needs error, latencyMs or drop: true');
    }
    if (spec.error !== undefined && spec.drop === true) {
      fail('invalidParameter.param.invalid', 'a fault either answers an error or drops the connection, not both');
    }
    const fault: Fault = { id: `f${this.nextId++}`, ...spec, fired: 0 };
    this.faults.push(fault);
    return fault;
  }

  list(): Fault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  remove(id: string): void {
    const index = this.faults.findIndex((fault) => fault.id === id);
    if (index < 0) fail('object.notFound', `no fault ${id}`);
    this.faults.splice(index, 1);
  }

  clear(): number {
    return this.faults.splice(0).length;
  }

  /**
   * Rolls every matching fault, in the order they were added. Delays add up; the first error or
   * drop that fires decides the answer, and later ones are not rolled.
   */
  isEmpty(): boolean {
    return this.faults.length === 0;
  }

  hit(target: FaultTarget): FaultOutcome {
    const outcome: FaultOutcome = { latencyMs: 0, fired: [] };
    if (this.faults.length === 0) return outcome;
    for (const fault of [...this.faults]) {
      if (!matches(fault.match, target)) continue;
      const terminal = fault.error !== undefined || fault.drop === true;
      if (terminal && (outcome.error || outcome.drop)) continue;
      if (fault.probability !== undefined && fault.probability < 1 && this.roll() >= fault.probability) continue;
      fault.fired += 1;
      outcome.fired.push(fault.id);
      outcome.latencyMs += fault.latencyMs ?? 0;
      if (fault.error) outcome.error = fault.error;
      if (fault.drop) outcome.drop = true;
      if (fault.count !== undefined && fault.fired >= fault.count) this.faults.splice(this.faults.indexOf(fault), 1);
    }
    return outcome;
  }

  private roll(): number {
    return this.random.bytes('fault', 4).readUInt32BE(0) / 2 ** 32;
  }
}

function matches(match: FaultMatch | undefined, target: FaultTarget): boolean {
  if (!match) return true;
  if (match.path !== undefined && match.path !== target.path) return false;
  if (match.appKey !== undefined && match.appKey !== target.appKey) return false;
  if (match.robotCode !== undefined && match.robotCode !== target.robotCode) return false;
  return true;
}
