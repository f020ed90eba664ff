/* The skip-logic/constraint expression language, identical to evalplatform/instruments/expr.py.
   Parsed by hand, never eval'd. Shared cases: tests/instruments/expr_cases.json. */
(function (global) {
  "use strict";
  var MAX_LENGTH = 1000, MAX_DEPTH = 40;
  var FUNCTIONS = {"selected": 2, "count-selected": 1, "string-length": 1, "regex": 2, "not": 1};
  var TOKEN = /\s*(?:(\$\{[A-Za-z_][A-Za-z0-9_]*\})|(\d+(?:\.\d+)?)|('[^']*'|"[^"]*")|(<=|>=|!=|=|<|>|\+|-|\*|\(|\)|,|\.)|([A-Za-z][A-Za-z-]*))/y;
  var NUMERIC = /^-?\d+(\.\d+)?$/;

  function ExpressionError(message) { this.name = "ExpressionError"; this.message = message; }
  ExpressionError.prototype = Object.create(Error.prototype);

  function tokenize(text) {
    if (text.length > MAX_LENGTH) throw new ExpressionError("expression longer than " + MAX_LENGTH + " characters");
    var tokens = [], pos = 0, m;
    while (pos < text.length) {
      if (text.slice(pos).trim() === "") break;
      TOKEN.lastIndex = pos;
      m = TOKEN.exec(text);
      if (!m || TOKEN.lastIndex === pos) throw new ExpressionError("unexpected character at " + (pos + 1));
      if (m[1] !== undefined) tokens.push(["ref", m[1].slice(2, -1)]);
      else if (m[2] !== undefined) tokens.push(["num", Number(m[2])]);
      else if (m[3] !== undefined) tokens.push(["str", m[3].slice(1, -1)]);
      else if (m[4] !== undefined) tokens.push(["op", m[4]]);
      else tokens.push(["word", m[5]]);
      pos = TOKEN.lastIndex;
    }
    return tokens;
  }

  function parse(text) {
    var tokens = tokenize(text), i = 0, depth = 0;
    if (!tokens.length) throw new ExpressionError("empty expression");
    function peek() { return i < tokens.length ? tokens[i] : [null, null]; }
    function at(kind, values) { var t = peek(); return t[0] === kind && (!values || values.indexOf(t[1]) >= 0); }
    function take(kind, value) {
      var t = peek();
      if (t[0] === null || (kind && t[0] !== kind) || (value !== undefined && t[1] !== value))
        throw new ExpressionError("expected " + (value !== undefined ? value : kind) + " at token " + (i + 1));
      i += 1; return t;
    }
    function deeper() { depth += 1; if (depth > MAX_DEPTH) throw new ExpressionError("expression nested too deeply"); }
    function binary(next, kind, ops) {
      var left = next();
      while (at(kind, ops)) { var op = take()[1]; left = ["bin", op, left, next()]; }
      return left;
    }
    function expr() { deeper(); var n = binary(and_, "word", ["or"]); depth -= 1; return n; }
    function and_() { return binary(cmp, "word", ["and"]); }
    function cmp() {
      var left = add();
      if (at("op", ["=", "!=", "<", "<=", ">", ">="])) { var op = take()[1]; return ["bin", op, left, add()]; }
      return left;
    }
    function add() { return binary(mul, "op", ["+", "-"]); }
    function mul() {
      var left = unary();
      while (at("op", ["*"]) || at("word", ["div", "mod"])) { var op = take()[1]; left = ["bin", op, left, unary()]; }
      return left;
    }
    function unary() {
      if (at("op", ["-"])) { take(); deeper(); var n = ["neg", unary()]; depth -= 1; return n; }
      return primary();
    }
    function primary() {
      var t = peek(), kind = t[0], value = t[1];
      if (kind === "num" || kind === "str" || kind === "ref") { take(); return [kind, value]; }
      if (kind === "op" && value === ".") { take(); return ["cur"]; }
      if (kind === "op" && value === "(") { take(); var n = expr(); take("op", ")"); return n; }
      if (kind === "word" && Object.prototype.hasOwnProperty.call(FUNCTIONS, value)) return call();
      throw new ExpressionError(kind ? "unexpected " + value + " at token " + (i + 1) : "unexpected end");
    }
    function call() {
      var name = take()[1]; take("op", "(");
      var args = [expr()];
      while (at("op", [","])) { take(); args.push(expr()); }
      take("op", ")");
      if (args.length !== FUNCTIONS[name]) throw new ExpressionError(name + "() takes " + FUNCTIONS[name] + " argument(s)");
      return ["call", name, args];
    }
    var node = expr();
    if (i !== tokens.length) throw new ExpressionError("unexpected " + peek()[1] + " at token " + (i + 1));
    return node;
  }

  function isEmpty(v) {
    return v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0) ||
      (typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0);
  }
  function toNumber(v) {
    if (typeof v === "number") return v;
    if (typeof v === "string" && NUMERIC.test(v)) return Number(v);
    return null;
  }
  function toText(v) {
    if (isEmpty(v)) return "";
    if (typeof v === "boolean") return v ? "true" : "false";
    if (Array.isArray(v)) return v.map(toText).join(" ");
    return String(v);
  }
  function truthy(v) {
    if (isEmpty(v)) return false;
    if (typeof v === "boolean") return v;
    if (typeof v === "number") return v !== 0;
    return true;
  }
  function sameList(a, b) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (var k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
    return true;
  }
  function equal(a, b) {
    if (isEmpty(a) || isEmpty(b)) return isEmpty(a) && isEmpty(b);
    if (Array.isArray(a) || Array.isArray(b)) return sameList(a, b);
    if (typeof a === "boolean" || typeof b === "boolean") return a === b;
    if (typeof a === "string" && typeof b === "string") return a === b;
    var x = toNumber(a), y = toNumber(b);
    return x !== null && y !== null && x === y;
  }
  function order(op, a, b) {
    if (isEmpty(a) || isEmpty(b) || Array.isArray(a) || Array.isArray(b) ||
        typeof a === "boolean" || typeof b === "boolean") return false;
    var x, y;
    if (typeof a === "string" && typeof b === "string") { x = a; y = b; }
    else { x = toNumber(a); y = toNumber(b); if (x === null || y === null) return false; }
    if (op === "<") return x < y;
    if (op === "<=") return x <= y;
    if (op === ">") return x > y;
    return x >= y;
  }
  function arith(op, a, b) {
    var x = toNumber(a), y = toNumber(b);
    if (x === null || y === null) return null;
    if (op === "+") return x + y;
    if (op === "-") return x - y;
    if (op === "*") return x * y;
    if (y === 0) return null;
    if (op === "div") return x / y;
    return x % y;
  }
  function callFn(name, args) {
    if (name === "not") return !truthy(args[0]);
    if (name === "selected") {
      var code = toText(args[1]);
      if (Array.isArray(args[0])) return args[0].map(toText).indexOf(code) >= 0;
      return !isEmpty(args[0]) && toText(args[0]) === code;
    }
    if (name === "count-selected") return Array.isArray(args[0]) ? args[0].length : (isEmpty(args[0]) ? 0 : 1);
    if (name === "string-length") return Array.from(toText(args[0])).length;
    if (name === "regex") {
      if (isEmpty(args[0])) return false;
      try { return new RegExp("^(?:" + toText(args[1]) + ")$", "u").test(toText(args[0])); }
      catch (e) { return false; }
    }
    throw new ExpressionError("unknown function " + name);
  }
  function evaluate(node, values, current) {
    var kind = node[0];
    if (kind === "num" || kind === "str") return node[1];
    if (kind === "ref") { var v = values[node[1]]; return v === undefined ? null : v; }
    if (kind === "cur") return current === undefined ? null : current;
    if (kind === "neg") { var x = toNumber(evaluate(node[1], values, current)); return x === null ? null : -x; }
    if (kind === "call") return callFn(node[1], node[2].map(function (a) { return evaluate(a, values, current); }));
    var op = node[1];
    if (op === "or") return truthy(evaluate(node[2], values, current)) || truthy(evaluate(node[3], values, current));
    if (op === "and") return truthy(evaluate(node[2], values, current)) && truthy(evaluate(node[3], values, current));
    var a = evaluate(node[2], values, current), b = evaluate(node[3], values, current);
    if (op === "=") return equal(a, b);
    if (op === "!=") return !equal(a, b);
    if (op === "<" || op === "<=" || op === ">" || op === ">=") return order(op, a, b);
    return arith(op, a, b);
  }
  function check(text, values, current) { return truthy(evaluate(parse(text), values, current)); }

  global.EvalExpr = {parse: parse, evaluate: evaluate, check: check, truthy: truthy, ExpressionError: ExpressionError};
})(window);
