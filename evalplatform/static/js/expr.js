/* The expression language of evalplatform/instruments/expr.py (the XPath subset XLSForms use), in the
   browser. Parsed by hand, never eval'd. Shared cases: tests/instruments/expr_cases.json. */
(function (global) {
  "use strict";
  var MAX_LENGTH = 4000, MAX_DEPTH = 40, MANY = null;
  var FUNCTIONS = {
    "selected": [2, 2], "count-selected": [1, 1], "string-length": [1, 1], "regex": [2, 2], "not": [1, 1],
    "if": [3, 3], "coalesce": [2, 2], "concat": [1, MANY], "true": [0, 0], "false": [0, 0],
    "boolean": [1, 1], "boolean-from-string": [1, 1], "number": [1, 1], "int": [1, 1], "round": [1, 2],
    "floor": [1, 1], "ceiling": [1, 1], "abs": [1, 1], "pow": [2, 2], "min": [1, MANY], "max": [1, MANY],
    "string": [1, 1], "substr": [2, 3], "contains": [2, 2], "starts-with": [2, 2], "ends-with": [2, 2],
    "normalize-space": [1, 1], "selected-at": [2, 2], "today": [0, 0], "now": [0, 0], "once": [1, 1],
    "jr:choice-name": [2, 2], "decimal-date-time": [1, 1], "format-date": [2, 2], "format-date-time": [2, 2]
  };
  var TOKEN = /\s*(?:(\$\{[^{}\s]+\})|(\d+(?:\.\d+)?|\.\d+)|('[^']*'|"[^"]*")|(<=|>=|!=|=|<|>|\+|-|\*|\(|\)|,|\.)|([A-Za-z_][A-Za-z0-9_-]*(?::[A-Za-z_][A-Za-z0-9_-]*)?))/y;
  var NAME = /^[A-Za-z_\u00c0-\uffff][\w.\-\u00c0-\uffff]{0,99}$/;
  var NUMERIC = /^\s*-?(\d+(\.\d*)?|\.\d+)\s*$/, DATE = /^(\d{4})-(\d{2})-(\d{2})$/, REF_IN_TEXT = /^\s*\$\{([^{}\s]+)\}\s*$/;
  var has = Object.prototype.hasOwnProperty;

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
      if (m[1] !== undefined) {
        var name = m[1].slice(2, -1);
        if (!NAME.test(name)) throw new ExpressionError("invalid name " + m[1]);
        tokens.push(["ref", name]);
      } else if (m[2] !== undefined) tokens.push(["num", Number(m[2])]);
      else if (m[3] !== undefined) tokens.push(["str", m[3].slice(1, -1)]);
      else if (m[4] !== undefined) tokens.push(["op", m[4]]);
      else tokens.push(["word", m[5]]);
      pos = TOKEN.lastIndex;
    }
    return tokens;
  }

  function parse(text, names) {
    var tokens = tokenize(text), i = 0, depth = 0;
    if (!tokens.length) throw new ExpressionError("empty expression");
    function peek() { return i < tokens.length ? tokens[i] : [null, null]; }
    function at(kind, values) { var t = peek(); return t[0] === kind && (!values || values.indexOf(t[1]) >= 0); }
    function openParenNext() { return i + 1 < tokens.length && tokens[i + 1][0] === "op" && tokens[i + 1][1] === "("; }
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
      if (kind === "word" && has.call(FUNCTIONS, value) && openParenNext()) return call();
      if (kind === "word" && names && ["and", "or", "div", "mod"].indexOf(value) < 0 && !openParenNext()) { take(); return ["name", value]; }
      throw new ExpressionError(kind ? "unexpected " + value + " at token " + (i + 1) : "unexpected end");
    }
    function call() {
      var name = take()[1]; take("op", "(");
      var args = [];
      if (!at("op", [")"])) {
        args.push(expr());
        while (at("op", [","])) { take(); args.push(expr()); }
      }
      take("op", ")");
      var low = FUNCTIONS[name][0], high = FUNCTIONS[name][1];
      if (args.length < low || (high !== null && args.length > high)) throw new ExpressionError(name + "() takes " + low + " argument(s)");
      return ["call", name, args];
    }
    var node = expr();
    if (i !== tokens.length) throw new ExpressionError("unexpected " + peek()[1] + " at token " + (i + 1));
    return node;
  }

  function walk(node, visit) {
    visit(node);
    if (node[0] === "bin") { walk(node[2], visit); walk(node[3], visit); }
    else if (node[0] === "neg") walk(node[1], visit);
    else if (node[0] === "call") node[2].forEach(function (a) { walk(a, visit); });
  }
  function references(node) {
    var found = {};
    walk(node, function (n) {
      if (n[0] === "ref") found[n[1]] = true;
      else if (n[0] === "call" && n[1] === "jr:choice-name" && n[2][1][0] === "str") {
        var m = REF_IN_TEXT.exec(n[2][1][1]); if (m) found[m[1]] = true;
      }
    });
    return Object.keys(found);
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
  function toDays(v) {
    var n = toNumber(v), m;
    if (n === null && typeof v === "string" && (m = DATE.exec(v))) {
      var y = +m[1], mo = +m[2], d = +m[3], t = Date.UTC(y, mo - 1, d), back = new Date(t);
      if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
      return Math.round(t / 86400000);
    }
    return n;
  }
  function toText(v) {
    if (isEmpty(v)) return "";
    if (typeof v === "boolean") return v ? "true" : "false";
    if (Array.isArray(v)) return v.map(toText).join(" ");
    return String(v);
  }
  function words(v) { return toText(v).split(/\s+/).filter(Boolean); }
  function truthy(v) {
    if (isEmpty(v)) return false;
    if (typeof v === "boolean") return v;
    if (typeof v === "number") return v !== 0 && v === v;
    return true;
  }
  function sameList(a, b) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (var k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
    return true;
  }
  function equal(a, b) {
    if (isEmpty(a) || isEmpty(b)) return isEmpty(a) && isEmpty(b);
    if (typeof a === "boolean" || typeof b === "boolean") return a === b;
    if (Array.isArray(a) || Array.isArray(b)) return sameList(a, b);
    if (typeof a === "string" && typeof b === "string") return a === b;
    var x = toNumber(a), y = toNumber(b);
    return x !== null && y !== null && x === y;
  }
  function order(op, a, b) {
    if (isEmpty(a) || isEmpty(b) || Array.isArray(a) || Array.isArray(b) ||
        typeof a === "boolean" || typeof b === "boolean") return false;
    var x, y;
    if (typeof a === "string" && typeof b === "string") { x = a; y = b; }
    else { x = toDays(a); y = toDays(b); if (x === null || y === null) return false; }
    if (op === "<") return x < y;
    if (op === "<=") return x <= y;
    if (op === ">") return x > y;
    return x >= y;
  }
  function arith(op, a, b) {
    var x = toDays(a), y = toDays(b);
    if (x === null || y === null) return null;
    if (op === "+") return x + y;
    if (op === "-") return x - y;
    if (op === "*") return x * y;
    if (y === 0) return null;
    if (op === "div") return x / y;
    return x % y;
  }
  function finite(x) { return typeof x === "number" && isFinite(x) ? x : null; }
  function num1(f) { return function (a) { var x = toNumber(a[0]); return x === null ? null : finite(f(x)); }; }
  function round(x, digits) {
    if (x === null || digits === null || !isFinite(x)) return null;
    var factor = Math.pow(10, Math.max(-15, Math.min(15, Math.trunc(digits))));
    return Math.floor(x * factor + 0.5) / factor;
  }
  function extreme(pick, args) {
    var numbers = args.filter(function (a) { return !isEmpty(a); }).map(toNumber);
    return !numbers.length || numbers.indexOf(null) >= 0 ? null : pick.apply(Math, numbers);
  }
  function regex(value, pattern) {
    if (isEmpty(value)) return false;
    try { return new RegExp("^(?:" + toText(pattern) + ")$", "u").test(toText(value)); } catch (e) { return false; }
  }
  function selected(value, code) {
    code = toText(code);
    if (Array.isArray(value)) return value.map(toText).indexOf(code) >= 0;
    return !isEmpty(value) && words(value).indexOf(code) >= 0;
  }
  function substr(text, start, end) {
    if (start === null) return "";
    var chars = Array.from(text); start = Math.max(Math.trunc(start), 0);
    return chars.slice(start, end === null || end === undefined ? undefined : Math.max(Math.trunc(end), start)).join("");
  }
  function nth(value, index) {
    var items = Array.isArray(value) ? value : words(value), k = toNumber(index);
    return k !== null && k >= 0 && k < items.length ? toText(items[Math.trunc(k)]) : "";
  }
  var STAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/,
      MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
      WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function formatDate(value, pattern) {
    var m = STAMP.exec(toText(value));
    if (!m || toDays(m[1] + "-" + m[2] + "-" + m[3]) === null) return "";
    var y = +m[1], mo = +m[2], d = +m[3], h = +(m[4] || 0), mi = +(m[5] || 0), s = +(m[6] || 0);
    var codes = {Y: ("000" + y).slice(-4), y: two(y % 100), m: two(mo), n: String(mo), b: MONTHS[mo - 1], d: two(d),
                 e: String(d), a: WEEKDAYS[(new Date(Date.UTC(y, mo - 1, d)).getUTCDay() + 6) % 7], H: two(h),
                 h: String(h), M: two(mi), S: two(s)};
    return toText(pattern).replace(/%(.)/g, function (all, c) { return has.call(codes, c) ? codes[c] : all; });
  }
  var PURE = {
    "not": function (a) { return !truthy(a[0]); },
    "selected": function (a) { return selected(a[0], a[1]); },
    "count-selected": function (a) { return Array.isArray(a[0]) ? a[0].length : words(a[0]).length; },
    "string-length": function (a) { return Array.from(toText(a[0])).length; },
    "regex": function (a) { return regex(a[0], a[1]); },
    "coalesce": function (a) { return isEmpty(a[0]) ? a[1] : a[0]; },
    "concat": function (a) { return a.map(toText).join(""); },
    "true": function () { return true; },
    "false": function () { return false; },
    "boolean": function (a) { return truthy(a[0]); },
    "boolean-from-string": function (a) { var t = toText(a[0]); return t === "true" || t === "1"; },
    "number": function (a) { return toDays(a[0]); },
    "int": function (a) { var x = toDays(a[0]); return x === null ? null : finite(Math.trunc(x)); },
    "round": function (a) { return round(toNumber(a[0]), a.length > 1 ? toNumber(a[1]) : 0); },
    "floor": num1(Math.floor), "ceiling": num1(Math.ceil), "abs": num1(Math.abs),
    "pow": function (a) { var x = toNumber(a[0]), y = toNumber(a[1]); return x === null || y === null ? null : finite(Math.pow(x, y)); },
    "min": function (a) { return extreme(Math.min, a); },
    "max": function (a) { return extreme(Math.max, a); },
    "string": function (a) { return toText(a[0]); },
    "substr": function (a) { return substr(toText(a[0]), toNumber(a[1]), a.length > 2 ? toNumber(a[2]) : null); },
    "contains": function (a) { return toText(a[0]).indexOf(toText(a[1])) >= 0; },
    "starts-with": function (a) { return toText(a[0]).slice(0, toText(a[1]).length) === toText(a[1]); },
    "ends-with": function (a) { var t = toText(a[0]), e = toText(a[1]); return e === "" || t.slice(-e.length) === e; },
    "normalize-space": function (a) { return words(a[0]).join(" "); },
    "selected-at": function (a) { return nth(a[0], a[1]); },
    "once": function (a) { return a[0]; },
    "decimal-date-time": function (a) { return toDays(a[0]); },
    "format-date": function (a) { return formatDate(a[0], a[1]); },
    "format-date-time": function (a) { return formatDate(a[0], a[1]); }
  };
  var NO_ENV = {};
  function callFn(name, nodeArgs, values, current, env) {
    if (name === "if") return evaluate(nodeArgs[truthy(evaluate(nodeArgs[0], values, current, env)) ? 1 : 2], values, current, env);
    var args = nodeArgs.map(function (a) { return evaluate(a, values, current, env); });
    if (name === "today") return env.today === undefined ? null : env.today;
    if (name === "now") return env.now === undefined ? null : env.now;
    if (name === "jr:choice-name") {
      var m = REF_IN_TEXT.exec(toText(args[1]));
      return !env.choiceName || !m || isEmpty(args[0]) ? toText(args[0]) : env.choiceName(m[1], toText(args[0]));
    }
    return PURE[name](args);
  }
  function evaluate(node, values, current, env) {
    env = env || NO_ENV;
    var kind = node[0];
    if (kind === "num" || kind === "str") return node[1];
    if (kind === "ref") { var v = values[node[1]]; return v === undefined ? null : v; }
    if (kind === "name") { var c = (env.choice || {})[node[1]]; return c === undefined ? null : c; }
    if (kind === "cur") return current === undefined ? null : current;
    if (kind === "neg") { var x = toNumber(evaluate(node[1], values, current, env)); return x === null ? null : -x; }
    if (kind === "call") return callFn(node[1], node[2], values, current, env);
    var op = node[1];
    if (op === "or") return truthy(evaluate(node[2], values, current, env)) || truthy(evaluate(node[3], values, current, env));
    if (op === "and") return truthy(evaluate(node[2], values, current, env)) && truthy(evaluate(node[3], values, current, env));
    var a = evaluate(node[2], values, current, env), b = evaluate(node[3], values, current, env);
    if (op === "=") return equal(a, b);
    if (op === "!=") return !equal(a, b);
    if (op === "<" || op === "<=" || op === ">" || op === ">=") return order(op, a, b);
    return arith(op, a, b);
  }
  var cache = {};
  function parsed(text, names) {
    var key = (names ? "n:" : "e:") + text;
    if (!has.call(cache, key)) cache[key] = parse(text, names);
    return cache[key];
  }
  function check(text, values, current, env) { return truthy(evaluate(parsed(text), values, current, env)); }

  global.EvalExpr = {parse: parse, parsed: parsed, evaluate: evaluate, check: check, truthy: truthy, text: toText,
                     references: references, isEmpty: isEmpty, ExpressionError: ExpressionError};
})(window);
