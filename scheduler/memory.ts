import { types } from 'node:util';
import { LOCATION_NAMES } from './dependence.ts';
import { captureLocation } from './location.ts';
import type { Execution } from './execution.ts';
import type { ObjectId, PendingOp } from './types.ts';

// What instrumented code reads and writes, as DPOR and the race detector see it: each location
// (a property of an object, an entry of a Map, a captured variable) is an object of type
// 'memory', read by a `load` and written by a `store` noted in the step that did it (once per
// location and step). An array is one location, and so is the set of keys of an object or a
// Map (its SHAPE): adding or deleting a key writes it, and reading the object as a whole reads it.
// A typed array or a DataView is the buffer it views (views of one buffer share its bytes).
//
// A location's id follows the order in which steps first touch it, which differs between
// executions. When instrumented code made the object in a step (a literal, a builtin that returns
// a new array, see `made`), its locations also get a name that does not: the object's birth (its
// maker task and how many things that task had made) with the key. DPOR compares the events of
// different executions by these names (ObjectInfo.birth); a location without one it must take for
// any location first used later.

/** The location standing for an object's set of keys (and for a whole array). */
export const SHAPE: unique symbol = Symbol('shape');

type Key = unknown;

interface Location {
  readonly load: PendingOp;
  readonly store: PendingOp;
  /** Of a Proxy heddle did not see being made: what an access does to its target is not known. */
  readonly wild: boolean;
  /** The step index of its latest load and store (one note per step). */
  loaded: number;
  stored: number;
  /** The object it belongs to (past views and aliases): what the leak check keys on. */
  readonly owner: object;
}

/** The execution (a MemoryLog's serial) that last wrote each object, kept across executions (see MemoryLog.leak). */
const writtenIn = new WeakMap<object, number>();
let serials = 0;
/** The tokens of scopes whose captured variables are tracked (enterScope). */
const scopeTokens = new WeakSet<object>();

/** `a Map`, `an Array`, `a Cache`: an object by its constructor, for reports. */
function describeObject(o: object): string {
  const name = (o as { constructor?: { name?: string } }).constructor?.name || 'object';
  return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name === 'Object' ? 'object' : name}`;
}

export class MemoryLog {
  private readonly serial = ++serials;
  /**
   * The first read of state that an earlier execution wrote and this one had not written yet (a
   * module-level Map, a module's `let`): every execution must start from the same state, so this
   * names what leaks between them, for the report of a schedule that ran differently twice.
   */
  leak: string | null = null;
  private readonly locations = new WeakMap<object, Map<Key, Location>>();
  private readonly numbers = new WeakMap<object, number>();
  /** Births of the objects the steps of this execution made (see `made`). */
  private readonly births = new WeakMap<object, number>();
  private objects = 0;

  constructor(private readonly ex: Execution) {}

  /** `o[key]` was read by the running step (a captured variable: by the scope token, any index). */
  read(o: object, key: Key): void {
    const step = this.ex.stepIndex;
    if (step < 0) return;
    const at = this.location(o, key);
    if (at.wild) this.unseen();
    if (at.loaded === -1 && at.stored === -1 && this.leak === null) this.checkLeak(at.owner);
    if (at.loaded === step || at.stored === step) return;
    at.loaded = step;
    this.ex.note(at.load);
  }

  /** `o[key]` was written by the running step. */
  write(o: object, key: Key): void {
    const step = this.ex.stepIndex;
    if (step < 0) return;
    const at = this.location(o, key);
    if (at.wild) this.unseen();
    if (at.stored === -1) writtenIn.set(at.owner, this.serial);
    if (at.stored === step) return;
    at.stored = step;
    this.ex.note(at.store);
  }

  /**
   * A scope's captured variables are one location, made when the scope is entered: its id then
   * follows the step that entered the scope, so it is the same in every execution that shares
   * that step (made at its first read or write, it would depend on which task got there first,
   * and DPOR would have to treat it as any later location). Scopes entered outside an
   * execution (a module's) are made at the start of each execution, in the order they were entered.
   */
  enterScope(token: object): void {
    scopeTokens.add(token);
    this.location(token, SHAPE, true);
  }

  /**
   * The running step made `o` just now (a literal, `new Map()`, `xs.map(f)`): it gets a birth, so
   * its locations are named alike in every execution that shares the steps of its maker up to
   * here. Only for objects made now: one that existed before would get a birth from whichever
   * task got to it, which differs between executions.
   */
  made(o: object): void {
    if (this.births.has(o) || this.locations.has(o)) return;
    const birth = this.ex.birth();
    if (birth !== undefined) this.births.set(o, birth);
  }

  /** The running step did something heddle cannot see the effects of. */
  unseen(): void {
    this.ex.noteEffects();
  }

  /** The running step took a value heddle does not control (the real clock, real randomness). */
  uncontrolled(reason: string): void {
    this.ex.addUncontrolled(reason);
  }

  /** A first read of `o`: leaked when an earlier execution wrote `o` and this one has not (see `leak`). */
  private checkLeak(o: object): void {
    const by = writtenIn.get(o);
    if (by === undefined || by === this.serial) return;
    const what = scopeTokens.has(o) ? 'a variable of a module (or of a closure made before the execution)'
      : `${describeObject(o)} made before the execution`;
    const at = captureLocation();
    this.leak = `${what} was read${at === undefined ? '' : ` at ${at}`}, written by an earlier execution and not yet by this one`;
  }

  /** Proxies of unknown targets seen in this execution (see Location.wild). */
  private readonly wild = new WeakSet<object>();

  private location(o: object, key: Key, scope = false): Location {
    let keys = this.locations.get(o);
    if (keys === undefined) {
      // Typed arrays and DataViews over one buffer share its bytes: each is its buffer, one location.
      if (ArrayBuffer.isView(o)) return this.location(o.buffer, SHAPE);
      if (!scope && !aliases.has(o) && types.isProxy(o)) this.wild.add(o);
      keys = new Map();
      this.locations.set(o, keys);
    }
    let at = keys.get(key);
    if (at === undefined) {
      const to = aliases.get(o)?.(key);
      if (to !== undefined) return this.location(to[0], to[1]);
      let n = this.numbers.get(o);
      if (n === undefined) this.numbers.set(o, (n = ++this.objects));
      // A scope's location is made with the scope; an object's, at its first use (see enterScope).
      const birth = this.births.get(o);
      const id: ObjectId = scope ? this.ex.madeObject('scope', `scope#${n}`)
        : this.ex.registerLocation('memory', locationName(o, key, n), birth === undefined ? undefined : nameOfLocation(birth, key, this.births));
      at = scope ? { load: { kind: 'var-read', object: id }, store: { kind: 'var-write', object: id }, loaded: -1, stored: -1, wild: false, owner: o }
        : { load: { kind: 'load', object: id }, store: { kind: 'store', object: id }, loaded: -1, stored: -1, wild: this.wild.has(o), owner: o };
      keys.set(key, at);
    }
    return at;
  }
}

/**
 * Names of the locations of objects with a birth: (birth, key) → a number from LOCATION_NAMES up.
 * Kept for the thread's life, as a name must mean one location in every execution of a search
 * (only equality of names matters: what number a name gets changes no choice). A key is named by
 * its value when it is a primitive, by its own birth when it is an object made in the execution (a
 * Map entry keyed by an object); a symbol, or an object without a birth, may be made anew in
 * each execution: its location has no name.
 */
const locationNames = new Map<number, Map<Key, number>>();
let nextLocationName = LOCATION_NAMES;

function nameOfLocation(birth: number, key: Key, births: WeakMap<object, number>): number | undefined {
  if (typeof key === 'symbol' && key !== SHAPE) return undefined;
  if (typeof key === 'object' && key !== null || typeof key === 'function') {
    const made = births.get(key as object);
    if (made === undefined) return undefined;
    key = `\u0000made ${made}`; // two keys that share a name are one location to DPOR: more order, never less
  }
  let keys = locationNames.get(birth);
  if (keys === undefined) locationNames.set(birth, (keys = new Map()));
  let name = keys.get(key);
  if (name === undefined) keys.set(key, (name = nextLocationName++));
  return name;
}

/** `Cache#3.entries`, `Map#1[user:1]`, `Array#2` — for reports. */
function locationName(o: object, key: Key, n: number): string {
  const type = (o as { constructor?: { name?: string } }).constructor?.name || 'Object';
  const base = `${type}#${n}`;
  if (key === SHAPE) return Array.isArray(o) ? base : `${base} keys`;
  if (typeof key === 'string') return /^[A-Za-z_$#][\w$]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
  if (typeof key === 'number') return `${base}[${key}]`;
  if (typeof key === 'symbol') return `${base}[${key.description ?? 'symbol'}]`;
  return `${base}[…]`;
}

/** Where an object's key lives instead: another object's key (undefined: its own). */
export type Alias = (key: Key) => readonly [object, Key] | undefined;
const aliases = new WeakMap<object, Alias>();

/**
 * The locations of `o` are others' (in every execution): a Proxy instrumented code made is its
 * target's; a module namespace's live bindings are the exporting module's scope.
 */
export function aliasLocations(o: object, alias: Alias): void {
  aliases.set(o, alias);
}
