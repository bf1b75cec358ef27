/**
 * `expr`: derived columns from expressions over a row's columns (`power = "voltage * current"`).
 *
 * The language: numbers, column names, `pi`; `+ - * / % **`, comparisons `< <= > >= == !=`
 * (1 or 0), `&& || !` (non-zero and not NaN is true), `c ? a : b`; functions
 * {@link EXPR_FUNCTIONS}. Everything is float64 (IEEE: `1/0` is Infinity, `log(-1)` NaN).
 * Text is parsed by `jsep` into a tree, checked (names, functions, arities) when compiled,
 * and turned into a tree of whole-column loops over Float64Arrays: nothing is evaluated value
 * by value through an interpreter, and user text never reaches `eval` or `Function`.
 */
import jsep from "jsep";
import { asFloat64, type Column, type ColumnInfo, findColumn } from "./columns.ts";
import { ExprError, ProcessorSpecError } from "./errors.ts";

/** The functions expressions may call, with their number of arguments (-1: two or more). */
export const EXPR_FUNCTIONS: Readonly<Record<string, number>> = {
  abs: 1,
  sqrt: 1,
  exp: 1,
  log: 1,
  log10: 1,
  sin: 1,
  cos: 1,
  tan: 1,
  floor: 1,
  ceil: 1,
  round: 1,
  pow: 2,
  min: -1,
  max: -1,
  clamp: 3,
};

const CONSTANTS: Readonly<Record<string, number>> = { pi: Math.PI };
const BINARY = new Set([
  "+",
  "-",
  "*",
  "/",
  "%",
  "**",
  "<",
  "<=",
  ">",
  ">=",
  "==",
  "!=",
  "&&",
  "||",
]);
const UNARY = new Set(["-", "+", "!"]);
/** Longer expressions are refused, which also bounds the parser's recursion. */
export const MAX_EXPR_LENGTH = 2000;

/** Derived columns by name, each an expression; later ones may use earlier ones. */
export interface ExprSpec {
  columns: Record<string, string>;
}

/** A compiled expression: the columns it reads and how to compute it over a batch. */
export interface CompiledExpr {
  /** Column names the expression reads. */
  readonly reads: readonly string[];
  /**
   * Computes the expression over `rows` rows; `column(name)` gives a read column. The result
   * is the expression's own array, reused by its next evaluation.
   */
  evaluate(column: (name: string) => Float64Array, rows: number): Float64Array;
}

type Node =
  | { kind: "const"; value: number }
  | { kind: "column"; name: string }
  | { kind: "unary"; op: string; arg: Node }
  | { kind: "binary"; op: string; left: Node; right: Node }
  | { kind: "call"; fn: string; args: Node[] }
  | { kind: "cond"; test: Node; then: Node; else: Node };

/**
 * Parses and checks `text`, the expression of derived column `key`, against the column names
 * `known` (undefined: any name is taken as a column, to be checked on the first batch).
 * Throws {@link ExprError} naming `key` and, when it can, the position.
 */
export function compileExpr(
  key: string,
  text: string,
  known?: readonly string[],
): CompiledExpr {
  if (typeof text !== "string") throw new ExprError(key, String(text), "expected a string");
  if (text.length > MAX_EXPR_LENGTH) {
    throw new ExprError(key, text, `longer than ${MAX_EXPR_LENGTH} characters`);
  }
  let tree: jsep.Expression;
  try {
    tree = jsep(text);
  } catch (e) {
    if (e instanceof RangeError) throw new ExprError(key, text, "nested too deeply");
    const err = e as { description?: unknown; index?: unknown };
    const description = typeof err.description === "string" ? err.description : String(e);
    throw new ExprError(
      key,
      text,
      description,
      typeof err.index === "number" ? err.index : undefined,
    );
  }
  const reads = new Set<string>();
  let node: Node;
  try {
    node = fold(toNode(tree, { key, text, known, reads }));
  } catch (e) {
    if (e instanceof RangeError) throw new ExprError(key, text, "nested too deeply");
    throw e;
  }
  return { reads: [...reads], evaluate: compileNode(node) };
}

interface Site {
  key: string;
  text: string;
  known: readonly string[] | undefined;
  reads: Set<string>;
}

function positionOf(text: string, word: string): number | undefined {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`(^|[^A-Za-z0-9_$])${escaped}(?![A-Za-z0-9_$])`).exec(text);
  return m ? m.index + m[1].length : undefined;
}

function toNode(e: jsep.Expression, site: Site): Node {
  const fail = (problem: string, word?: string): never => {
    throw new ExprError(
      site.key,
      site.text,
      problem,
      word === undefined ? undefined : positionOf(site.text, word),
    );
  };
  switch (e.type) {
    case "Literal": {
      const v = (e as jsep.Literal).value;
      if (typeof v === "number") return { kind: "const", value: v };
      if (typeof v === "boolean") return { kind: "const", value: v ? 1 : 0 };
      return fail(`only numbers are allowed, got ${(e as jsep.Literal).raw}`);
    }
    case "Identifier": {
      const name = (e as jsep.Identifier).name;
      const constant = Object.hasOwn(CONSTANTS, name);
      const isColumn = site.known ? site.known.includes(name) : !constant;
      if (isColumn) {
        site.reads.add(name);
        return { kind: "column", name };
      }
      if (constant) return { kind: "const", value: CONSTANTS[name] };
      if (Object.hasOwn(EXPR_FUNCTIONS, name)) {
        return fail(`function '${name}' used without (...)`, name);
      }
      return fail(`unknown column '${name}' (columns: ${site.known!.join(", ")})`, name);
    }
    case "UnaryExpression": {
      const u = e as jsep.UnaryExpression;
      if (!UNARY.has(u.operator)) return fail(`operator '${u.operator}' is not supported`);
      return { kind: "unary", op: u.operator, arg: toNode(u.argument, site) };
    }
    case "BinaryExpression": {
      const b = e as jsep.BinaryExpression;
      if (!BINARY.has(b.operator)) {
        const hint = b.operator === "^"
          ? " (use ** for powers)"
          : b.operator === "===" || b.operator === "!=="
          ? ` (use ${b.operator.slice(0, 2)})`
          : "";
        return fail(`operator '${b.operator}' is not supported${hint}`, undefined);
      }
      return {
        kind: "binary",
        op: b.operator,
        left: toNode(b.left, site),
        right: toNode(b.right, site),
      };
    }
    case "ConditionalExpression": {
      const c = e as jsep.ConditionalExpression;
      return {
        kind: "cond",
        test: toNode(c.test, site),
        then: toNode(c.consequent, site),
        else: toNode(c.alternate, site),
      };
    }
    case "CallExpression": {
      const c = e as jsep.CallExpression;
      if (c.callee.type !== "Identifier") return fail("only named functions can be called");
      const fn = (c.callee as jsep.Identifier).name;
      const arity = Object.hasOwn(EXPR_FUNCTIONS, fn) ? EXPR_FUNCTIONS[fn] : undefined;
      if (arity === undefined) {
        return fail(
          `unknown function '${fn}' (functions: ${Object.keys(EXPR_FUNCTIONS).join(", ")})`,
          fn,
        );
      }
      const n = c.arguments.length;
      if (arity === -1 ? n < 2 : n !== arity) {
        const want = arity === -1
          ? "2 or more arguments"
          : `${arity} argument${arity > 1 ? "s" : ""}`;
        return fail(`${fn}() takes ${want}, got ${n}`, fn);
      }
      return { kind: "call", fn, args: c.arguments.map((a) => toNode(a, site)) };
    }
    case "Compound":
      if ((e as jsep.Compound).body.length === 0) return fail("empty expression");
      return fail("one expression only (no ';' or ',')");
    default:
      return fail(`${describe(e.type)} is not allowed`);
  }
}

function describe(type: string): string {
  switch (type) {
    case "MemberExpression":
      return "member access (a.b, a[b])";
    case "ArrayExpression":
      return "an array";
    case "ThisExpression":
      return "'this'";
    case "SequenceExpression":
      return "a sequence (a, b)";
    default:
      return `'${type}'`;
  }
}

// ---- scalar semantics, shared by constant folding and the column loops ----

function truthy(x: number): boolean {
  return x !== 0 && x === x;
}

function unaryScalar(op: string, x: number): number {
  return op === "-" ? -x : op === "+" ? x : truthy(x) ? 0 : 1;
}

function binaryScalar(op: string, a: number, b: number): number {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      return a / b;
    case "%":
      return a % b;
    case "**":
      return a ** b;
    case "<":
      return a < b ? 1 : 0;
    case "<=":
      return a <= b ? 1 : 0;
    case ">":
      return a > b ? 1 : 0;
    case ">=":
      return a >= b ? 1 : 0;
    case "==":
      return a === b ? 1 : 0;
    case "!=":
      return a !== b ? 1 : 0;
    case "&&":
      return truthy(a) && truthy(b) ? 1 : 0;
    default:
      return truthy(a) || truthy(b) ? 1 : 0;
  }
}

function callScalar(fn: string, a: number[]): number {
  switch (fn) {
    case "min":
      return a.reduce((m, x) => (x < m || x !== x ? x : m));
    case "max":
      return a.reduce((m, x) => (x > m || x !== x ? x : m));
    case "clamp":
      return clamp(a[0], a[1], a[2]);
    case "pow":
      return a[0] ** a[1];
    default:
      return MATH1[fn](a[0]);
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

const MATH1: Record<string, (x: number) => number> = {
  abs: Math.abs,
  sqrt: Math.sqrt,
  exp: Math.exp,
  log: Math.log,
  log10: Math.log10,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  floor: Math.floor,
  ceil: Math.ceil,
  round: Math.round,
};

/** Folds constant subtrees into constants. */
function fold(n: Node): Node {
  switch (n.kind) {
    case "const":
    case "column":
      return n;
    case "unary": {
      const arg = fold(n.arg);
      return arg.kind === "const" ? { kind: "const", value: unaryScalar(n.op, arg.value) } : {
        ...n,
        arg,
      };
    }
    case "binary": {
      const left = fold(n.left), right = fold(n.right);
      if (left.kind === "const" && right.kind === "const") {
        return { kind: "const", value: binaryScalar(n.op, left.value, right.value) };
      }
      return { ...n, left, right };
    }
    case "call": {
      const args = n.args.map(fold);
      if (args.every((a) => a.kind === "const")) {
        return {
          kind: "const",
          value: callScalar(n.fn, args.map((a) => (a as { value: number }).value)),
        };
      }
      return { ...n, args };
    }
    case "cond": {
      const test = fold(n.test), then = fold(n.then), els = fold(n.else);
      if (test.kind === "const") return truthy(test.value) ? then : els;
      return { kind: "cond", test, then, else: els };
    }
  }
}

// ---- whole-column evaluation ----

/** Computes a node over a batch: a column of `rows` values, or a number for constants. */
type Step = (column: (name: string) => Float64Array, rows: number) => Float64Array | number;

function compileNode(root: Node): CompiledExpr["evaluate"] {
  const step = stepOf(root);
  const own = bufferFor();
  return (column, rows) => {
    const v = step(column, rows);
    if (typeof v === "number") return own(rows).fill(v);
    // An input column itself is copied, so that the result is always the expression's own.
    return root.kind === "column" ? (own(rows).set(v), own(rows)) : v;
  };
}

/** A buffer of `rows` values owned by one node, reused between batches. */
function bufferFor(): (rows: number) => Float64Array {
  let buf = new Float64Array(0);
  return (rows) => {
    if (buf.length !== rows) buf = new Float64Array(rows);
    return buf;
  };
}

function stepOf(n: Node): Step {
  switch (n.kind) {
    case "const":
      return () => n.value;
    case "column":
      return (column) => column(n.name);
    case "unary": {
      const arg = stepOf(n.arg);
      const buf = bufferFor();
      return (column, rows) => unaryColumn(n.op, arg(column, rows) as Float64Array, buf(rows));
    }
    case "binary": {
      const left = stepOf(n.left), right = stepOf(n.right);
      const buf = bufferFor();
      return (column, rows) =>
        binaryColumn(n.op, left(column, rows), right(column, rows), buf(rows));
    }
    case "call": {
      const args = n.args.map((a) => stepOf(a));
      const buf = bufferFor();
      return (column, rows) => callColumn(n.fn, args.map((a) => a(column, rows)), buf(rows));
    }
    case "cond": {
      const test = stepOf(n.test), then = stepOf(n.then), els = stepOf(n.else);
      const buf = bufferFor();
      return (column, rows) => {
        const t = test(column, rows) as Float64Array;
        const a = then(column, rows), b = els(column, rows);
        const out = buf(rows);
        for (let i = 0; i < rows; i++) {
          const x = t[i];
          out[i] = x !== 0 && x === x
            ? (typeof a === "number" ? a : a[i])
            : (typeof b === "number" ? b : b[i]);
        }
        return out;
      };
    }
  }
}

function unaryColumn(op: string, x: Float64Array, out: Float64Array): Float64Array {
  const n = out.length;
  if (op === "-") { for (let i = 0; i < n; i++) out[i] = -x[i]; }
  else if (op === "+") out.set(x);
  else for (let i = 0; i < n; i++) out[i] = x[i] !== 0 && x[i] === x[i] ? 0 : 1;
  return out;
}

function binaryColumn(
  op: string,
  a: Float64Array | number,
  b: Float64Array | number,
  out: Float64Array,
): Float64Array {
  if (typeof a === "number") return binaryScalarColumn(op, a, b as Float64Array, out);
  if (typeof b === "number") {
    if (op === "**" && b === 2) {
      for (let i = 0; i < out.length; i++) out[i] = a[i] * a[i];
      return out;
    }
    return binaryColumnScalar(op, a, b, out);
  }
  return binaryColumnColumn(op, a, b, out);
}

// One loop per operator and operand kind: a single call site per loop keeps V8's code for it
// specialised (a shared function per value would be called polymorphically).
function binaryColumnColumn(
  op: string,
  a: Float64Array,
  b: Float64Array,
  out: Float64Array,
): Float64Array {
  const n = out.length;
  switch (op) {
    case "+":
      for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
      break;
    case "-":
      for (let i = 0; i < n; i++) out[i] = a[i] - b[i];
      break;
    case "*":
      for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
      break;
    case "/":
      for (let i = 0; i < n; i++) out[i] = a[i] / b[i];
      break;
    case "%":
      for (let i = 0; i < n; i++) out[i] = a[i] % b[i];
      break;
    case "**":
      for (let i = 0; i < n; i++) out[i] = a[i] ** b[i];
      break;
    case "<":
      for (let i = 0; i < n; i++) out[i] = a[i] < b[i] ? 1 : 0;
      break;
    case "<=":
      for (let i = 0; i < n; i++) out[i] = a[i] <= b[i] ? 1 : 0;
      break;
    case ">":
      for (let i = 0; i < n; i++) out[i] = a[i] > b[i] ? 1 : 0;
      break;
    case ">=":
      for (let i = 0; i < n; i++) out[i] = a[i] >= b[i] ? 1 : 0;
      break;
    case "==":
      for (let i = 0; i < n; i++) out[i] = a[i] === b[i] ? 1 : 0;
      break;
    case "!=":
      for (let i = 0; i < n; i++) out[i] = a[i] !== b[i] ? 1 : 0;
      break;
    default:
      for (let i = 0; i < n; i++) out[i] = binaryScalar(op, a[i], b[i]);
  }
  return out;
}

function binaryColumnScalar(
  op: string,
  a: Float64Array,
  b: number,
  out: Float64Array,
): Float64Array {
  const n = out.length;
  switch (op) {
    case "+":
      for (let i = 0; i < n; i++) out[i] = a[i] + b;
      break;
    case "-":
      for (let i = 0; i < n; i++) out[i] = a[i] - b;
      break;
    case "*":
      for (let i = 0; i < n; i++) out[i] = a[i] * b;
      break;
    case "/":
      for (let i = 0; i < n; i++) out[i] = a[i] / b;
      break;
    case "%":
      for (let i = 0; i < n; i++) out[i] = a[i] % b;
      break;
    case "**":
      for (let i = 0; i < n; i++) out[i] = a[i] ** b;
      break;
    case "<":
      for (let i = 0; i < n; i++) out[i] = a[i] < b ? 1 : 0;
      break;
    case "<=":
      for (let i = 0; i < n; i++) out[i] = a[i] <= b ? 1 : 0;
      break;
    case ">":
      for (let i = 0; i < n; i++) out[i] = a[i] > b ? 1 : 0;
      break;
    case ">=":
      for (let i = 0; i < n; i++) out[i] = a[i] >= b ? 1 : 0;
      break;
    case "==":
      for (let i = 0; i < n; i++) out[i] = a[i] === b ? 1 : 0;
      break;
    case "!=":
      for (let i = 0; i < n; i++) out[i] = a[i] !== b ? 1 : 0;
      break;
    default:
      for (let i = 0; i < n; i++) out[i] = binaryScalar(op, a[i], b);
  }
  return out;
}

function binaryScalarColumn(
  op: string,
  a: number,
  b: Float64Array,
  out: Float64Array,
): Float64Array {
  const n = out.length;
  switch (op) {
    case "+":
      for (let i = 0; i < n; i++) out[i] = a + b[i];
      break;
    case "-":
      for (let i = 0; i < n; i++) out[i] = a - b[i];
      break;
    case "*":
      for (let i = 0; i < n; i++) out[i] = a * b[i];
      break;
    case "/":
      for (let i = 0; i < n; i++) out[i] = a / b[i];
      break;
    case "%":
      for (let i = 0; i < n; i++) out[i] = a % b[i];
      break;
    case "**":
      for (let i = 0; i < n; i++) out[i] = a ** b[i];
      break;
    case "<":
      for (let i = 0; i < n; i++) out[i] = a < b[i] ? 1 : 0;
      break;
    case "<=":
      for (let i = 0; i < n; i++) out[i] = a <= b[i] ? 1 : 0;
      break;
    case ">":
      for (let i = 0; i < n; i++) out[i] = a > b[i] ? 1 : 0;
      break;
    case ">=":
      for (let i = 0; i < n; i++) out[i] = a >= b[i] ? 1 : 0;
      break;
    case "==":
      for (let i = 0; i < n; i++) out[i] = a === b[i] ? 1 : 0;
      break;
    case "!=":
      for (let i = 0; i < n; i++) out[i] = a !== b[i] ? 1 : 0;
      break;
    default:
      for (let i = 0; i < n; i++) out[i] = binaryScalar(op, a, b[i]);
  }
  return out;
}

function callColumn(fn: string, args: (Float64Array | number)[], out: Float64Array): Float64Array {
  const n = out.length;
  switch (fn) {
    case "min":
    case "max": {
      const first = args[0];
      if (typeof first === "number") out.fill(first);
      else out.set(first);
      const isMin = fn === "min";
      for (let k = 1; k < args.length; k++) {
        const v = args[k];
        if (typeof v === "number") {
          if (isMin) { for (let i = 0; i < n; i++) out[i] = v < out[i] || v !== v ? v : out[i]; }
          else for (let i = 0; i < n; i++) out[i] = v > out[i] || v !== v ? v : out[i];
        } else if (isMin) {
          for (let i = 0; i < n; i++) out[i] = v[i] < out[i] || v[i] !== v[i] ? v[i] : out[i];
        } else {
          for (let i = 0; i < n; i++) out[i] = v[i] > out[i] || v[i] !== v[i] ? v[i] : out[i];
        }
      }
      return out;
    }
    case "clamp": {
      const [x, lo, hi] = args;
      if (typeof x !== "number" && typeof lo === "number" && typeof hi === "number") {
        for (let i = 0; i < n; i++) {
          const v = x[i];
          out[i] = v < lo ? lo : v > hi ? hi : v;
        }
        return out;
      }
      const at = (v: Float64Array | number, i: number) => (typeof v === "number" ? v : v[i]);
      for (let i = 0; i < n; i++) out[i] = clamp(at(x, i), at(lo, i), at(hi, i));
      return out;
    }
    case "pow":
      return binaryColumn("**", args[0], args[1], out);
  }
  const x = args[0] as Float64Array;
  switch (fn) {
    case "abs":
      for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]);
      break;
    case "sqrt":
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]);
      break;
    case "exp":
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]);
      break;
    case "log":
      for (let i = 0; i < n; i++) out[i] = Math.log(x[i]);
      break;
    case "log10":
      for (let i = 0; i < n; i++) out[i] = Math.log10(x[i]);
      break;
    case "sin":
      for (let i = 0; i < n; i++) out[i] = Math.sin(x[i]);
      break;
    case "cos":
      for (let i = 0; i < n; i++) out[i] = Math.cos(x[i]);
      break;
    case "tan":
      for (let i = 0; i < n; i++) out[i] = Math.tan(x[i]);
      break;
    case "floor":
      for (let i = 0; i < n; i++) out[i] = Math.floor(x[i]);
      break;
    case "ceil":
      for (let i = 0; i < n; i++) out[i] = Math.ceil(x[i]);
      break;
    default:
      for (let i = 0; i < n; i++) out[i] = Math.round(x[i]);
  }
  return out;
}

// ---- the processor ----

/** Checks an expr spec against the input's columns when known; throws ExprError or ProcessorSpecError. */
export function checkExprSpec(spec: ExprSpec, input?: readonly ColumnInfo[]): void {
  compileAll(spec, input);
}

function compileAll(spec: ExprSpec, input?: readonly ColumnInfo[]): [string, CompiledExpr][] {
  const names = Object.keys(spec.columns);
  if (names.length === 0) throw new ProcessorSpecError("columns", "name at least one column");
  const known = input?.filter((c) => !c.listSize).map((c) => c.name);
  return names.map((name) => {
    const key = `columns.${name}`;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new ProcessorSpecError(key, "a column name is letters, digits and _");
    }
    const compiled = compileExpr(key, spec.columns[name], known);
    known?.push(name);
    return [name, compiled];
  });
}

/** The columns an expr spec sends: the input's (replaced ones in place), then new ones. */
export function exprOutputColumns(spec: ExprSpec, input: readonly ColumnInfo[]): ColumnInfo[] {
  const out = input.map((c) => (c.name in spec.columns ? { name: c.name, type: "float64" } : c));
  for (const name of Object.keys(spec.columns)) {
    if (!input.some((c) => c.name === name)) out.push({ name, type: "float64" });
  }
  return out;
}

/** Computes derived columns over batches. */
export class ExprEvaluator {
  #spec: ExprSpec;
  #compiled: [string, CompiledExpr][];
  #checked: boolean;
  #scratch = new Map<string, Float64Array>();

  /** Compiles `spec` (checked against `input` when known, else on the first batch). */
  constructor(spec: ExprSpec, input?: readonly ColumnInfo[]) {
    this.#spec = spec;
    this.#compiled = compileAll(spec, input);
    this.#checked = input !== undefined;
  }

  /**
   * The batch with the derived columns, replaced in place or added at the end; their arrays
   * are reused by the next call.
   */
  apply(columns: readonly Column[]): Column[] {
    if (!this.#checked) {
      this.#compiled = compileAll(this.#spec, columns);
      this.#checked = true;
    }
    const rows = columns[0]?.values.length ?? 0;
    const out = [...columns];
    const derived = new Map<string, Float64Array>();
    const column = (name: string): Float64Array => {
      const d = derived.get(name);
      if (d) return d;
      const c = findColumn(columns, name);
      if (!c || c.listSize) {
        throw new ProcessorSpecError(`columns`, `column '${name}' missing from a batch`);
      }
      const v = asFloat64(c.values, this.#scratch.get(name));
      if (v !== c.values) this.#scratch.set(name, v);
      return v;
    };
    for (const [name, compiled] of this.#compiled) {
      const values = compiled.evaluate(column, rows);
      derived.set(name, values);
      const i = out.findIndex((c) => c.name === name);
      const col: Column = { name, values };
      if (i >= 0) out[i] = col;
      else out.push(col);
    }
    return out;
  }
}
