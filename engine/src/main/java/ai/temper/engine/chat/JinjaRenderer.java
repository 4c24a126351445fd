package ai.temper.engine.chat;

import ai.temper.engine.chat.JinjaParser.And;
import ai.temper.engine.chat.JinjaParser.Attr;
import ai.temper.engine.chat.JinjaParser.Binary;
import ai.temper.engine.chat.JinjaParser.Call;
import ai.temper.engine.chat.JinjaParser.Compare;
import ai.temper.engine.chat.JinjaParser.Concat;
import ai.temper.engine.chat.JinjaParser.Cond;
import ai.temper.engine.chat.JinjaParser.Const;
import ai.temper.engine.chat.JinjaParser.DictLit;
import ai.temper.engine.chat.JinjaParser.Expr;
import ai.temper.engine.chat.JinjaParser.Filter;
import ai.temper.engine.chat.JinjaParser.FilterBlock;
import ai.temper.engine.chat.JinjaParser.For;
import ai.temper.engine.chat.JinjaParser.Generation;
import ai.temper.engine.chat.JinjaParser.If;
import ai.temper.engine.chat.JinjaParser.Item;
import ai.temper.engine.chat.JinjaParser.ListLit;
import ai.temper.engine.chat.JinjaParser.LoopControl;
import ai.temper.engine.chat.JinjaParser.Macro;
import ai.temper.engine.chat.JinjaParser.Name;
import ai.temper.engine.chat.JinjaParser.Node;
import ai.temper.engine.chat.JinjaParser.Not;
import ai.temper.engine.chat.JinjaParser.Or;
import ai.temper.engine.chat.JinjaParser.Output;
import ai.temper.engine.chat.JinjaParser.SetAttr;
import ai.temper.engine.chat.JinjaParser.SetBlock;
import ai.temper.engine.chat.JinjaParser.SetVar;
import ai.temper.engine.chat.JinjaParser.Slice;
import ai.temper.engine.chat.JinjaParser.Test;
import ai.temper.engine.chat.JinjaParser.Text;
import ai.temper.engine.chat.JinjaParser.TupleLit;
import ai.temper.engine.chat.JinjaParser.Unary;
import ai.temper.engine.chat.JinjaParser.With;
import ai.temper.engine.chat.Py.Callable;
import ai.temper.engine.chat.Py.Namespace;
import ai.temper.engine.chat.Py.PyError;
import ai.temper.engine.chat.Py.Tuple;
import ai.temper.engine.chat.Py.Undefined;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Evaluates a parsed template (see {@link JinjaParser}) the way jinja2's
 * ImmutableSandboxedEnvironment does, within limits: a deadline, a cancellation check, a
 * maximum output size and a maximum macro call depth. Templates see only the values given to
 * them (plain strings, numbers, booleans, lists, dicts) and the built-in filters, tests and
 * globals; nothing here reaches Java objects, files or the network.
 */
final class JinjaRenderer {
  /** Why rendering stopped before the template finished. */
  static final class LimitExceeded extends RuntimeException {
    LimitExceeded(String message) {
      super(message);
    }
  }

  /** {@code raise_exception(msg)} from the template. */
  static final class Raised extends RuntimeException {
    Raised(String message) {
      super(message);
    }
  }

  /** An error while rendering, with the template line it happened on. */
  static final class RenderError extends RuntimeException {
    final int line;

    RenderError(String message, int line, Throwable cause) {
      super(message, cause);
      this.line = line;
    }
  }

  private static final int MAX_MACRO_DEPTH = 100;
  private static final long MAX_RANGE = 100_000; // jinja2's sandbox limit

  private final long deadlineNanos;
  private final BooleanSupplier cancelled;
  private final long maxOutput;
  private final String timeoutMessage;
  private long ticks;
  private int macroDepth;
  private int line;
  private long produced;

  JinjaRenderer(long deadlineNanos, BooleanSupplier cancelled, long maxOutput,
      String timeoutMessage) {
    this.deadlineNanos = deadlineNanos;
    this.cancelled = cancelled;
    this.maxOutput = maxOutput;
    this.timeoutMessage = timeoutMessage;
  }

  /** Variable scopes: a new one per loop iteration, macro call and with block. */
  private static final class Frame {
    final Map<String, Object> vars = new HashMap<>();
    final Frame parent;

    Frame(Frame parent) {
      this.parent = parent;
    }

    Object lookup(String name) {
      for (Frame f = this; f != null; f = f.parent) {
        if (f.vars.containsKey(name)) {
          return f.vars.get(name);
        }
      }
      return Py.undefined("'" + name + "'");
    }
  }

  private static final class BreakLoop extends RuntimeException {
    BreakLoop() {
      super(null, null, false, false);
    }
  }

  private static final class ContinueLoop extends RuntimeException {
    ContinueLoop() {
      super(null, null, false, false);
    }
  }

  /** jinja2's loop object. */
  private static final class Loop {
    final List<Object> items;
    int index0;

    Loop(List<Object> items) {
      this.items = items;
    }

    Object attr(String name) {
      int n = items.size();
      return switch (name) {
        case "index" -> (long) index0 + 1;
        case "index0" -> (long) index0;
        case "revindex" -> (long) (n - index0);
        case "revindex0" -> (long) (n - index0 - 1);
        case "first" -> index0 == 0;
        case "last" -> index0 == n - 1;
        case "length" -> (long) n;
        case "depth" -> 1L;
        case "depth0" -> 0L;
        case "previtem" -> index0 > 0 ? items.get(index0 - 1) : Py.undefined("'previtem'");
        case "nextitem" -> index0 < n - 1 ? items.get(index0 + 1) : Py.undefined("'nextitem'");
        case "cycle" -> (Callable) (args, kw) -> {
          if (args.isEmpty()) {
            throw Py.typeError("no items for cycling given");
          }
          return args.get(index0 % args.size());
        };
        default -> Py.undefined("loop." + name);
      };
    }
  }

  /** A macro bound to the frame it was defined in. */
  private final class MacroFn implements Callable {
    final Macro macro;
    final Frame closure;

    MacroFn(Macro macro, Frame closure) {
      this.macro = macro;
      this.closure = closure;
    }

    @Override
    public Object call(List<Object> args, Map<String, Object> kwargs) {
      if (++macroDepth > MAX_MACRO_DEPTH) {
        throw new LimitExceeded("macro '" + macro.name() + "' calls itself more than "
            + MAX_MACRO_DEPTH + " levels deep");
      }
      try {
        Frame f = new Frame(closure);
        List<String> params = macro.params();
        if (args.size() > params.size()) {
          throw Py.typeError("macro '" + macro.name() + "' takes not more than "
              + params.size() + " argument(s)");
        }
        for (int i = 0; i < params.size(); i++) {
          String pn = params.get(i);
          Object v;
          if (i < args.size()) {
            v = args.get(i);
          } else if (kwargs.containsKey(pn)) {
            v = kwargs.get(pn);
          } else if (macro.defaults().get(i) != null) {
            v = eval(macro.defaults().get(i), f);
          } else {
            v = Py.undefined("'" + pn + "'");
          }
          f.vars.put(pn, v);
        }
        StringBuilder sb = new StringBuilder();
        body(macro.body(), f, sb);
        return sb.toString();
      } finally {
        macroDepth--;
      }
    }
  }

  // ---- statements ----------------------------------------------------------------------------

  String render(List<Node> template, Map<String, Object> context, Map<String, Object> globals) {
    Frame root = new Frame(null);
    root.vars.putAll(globals);
    Frame top = new Frame(root);
    top.vars.putAll(context);
    StringBuilder out = new StringBuilder();
    body(template, top, out);
    return out.toString();
  }

  private void body(List<Node> nodes, Frame f, StringBuilder out) {
    for (Node n : nodes) {
      node(n, f, out);
    }
  }

  private void tick() {
    if ((++ticks & 255) == 0) {
      if (System.nanoTime() - deadlineNanos > 0) {
        throw new LimitExceeded(timeoutMessage);
      }
      if (cancelled.getAsBoolean()) {
        throw new LimitExceeded("rendering was cancelled");
      }
    }
  }

  private void emit(StringBuilder out, String s) {
    produced += s.length();
    if (produced > maxOutput) {
      throw new LimitExceeded("the template produced more than " + maxOutput + " characters");
    }
    out.append(s);
  }

  private void node(Node n, Frame f, StringBuilder out) {
    tick();
    if (n instanceof Text t) {
      emit(out, t.text());
    } else if (n instanceof Output o) {
      line = o.line();
      emit(out, Py.str(eval(o.expr(), f)));
    } else if (n instanceof If i) {
      for (int k = 0; k < i.conds().size(); k++) {
        if (Py.truthy(eval(i.conds().get(k), f))) {
          body(i.bodies().get(k), f, out);
          return;
        }
      }
      body(i.orElse(), f, out);
    } else if (n instanceof For loop) {
      forLoop(loop, f, out);
    } else if (n instanceof SetVar s) {
      line = s.line();
      Object v = eval(s.value(), f);
      assign(s.targets(), v, f);
    } else if (n instanceof SetAttr s) {
      line = s.line();
      Object ns = f.lookup(s.object());
      if (!(ns instanceof Namespace namespace)) {
        throw new PyError("TemplateRuntimeError", "cannot assign attribute on non-namespace "
            + "object");
      }
      namespace.attrs.put(s.attr(), eval(s.value(), f));
    } else if (n instanceof SetBlock s) {
      StringBuilder sb = new StringBuilder();
      body(s.body(), f, sb);
      f.vars.put(s.name(), sb.toString());
    } else if (n instanceof Macro m) {
      f.vars.put(m.name(), new MacroFn(m, f));
    } else if (n instanceof FilterBlock fb) {
      StringBuilder sb = new StringBuilder();
      body(fb.body(), f, sb);
      Filter flt = (Filter) fb.filter();
      emit(out, Py.str(applyFilterChain(flt, sb.toString(), f)));
    } else if (n instanceof With w) {
      Frame inner = new Frame(f);
      for (int k = 0; k < w.names().size(); k++) {
        inner.vars.put(w.names().get(k), eval(w.values().get(k), f));
      }
      body(w.body(), inner, out);
    } else if (n instanceof Generation g) {
      body(g.body(), f, out);
    } else if (n instanceof LoopControl lc) {
      throw lc.isBreak() ? new BreakLoop() : new ContinueLoop();
    }
  }

  /** A filter whose innermost object is the block's text ({@code {% filter a|b %}}). */
  private Object applyFilterChain(Filter flt, Object value, Frame f) {
    Object obj = flt.obj() == null ? value : applyFilterChain((Filter) flt.obj(), value, f);
    return filter(flt.name(), obj, args(flt.args(), f), kwargs(flt.kwNames(), flt.kwValues(), f),
        f);
  }

  private void assign(List<String> targets, Object v, Frame f) {
    if (targets.size() == 1) {
      f.vars.put(targets.get(0), v);
      return;
    }
    List<Object> items = Py.iterate(v);
    if (items.size() != targets.size()) {
      throw new PyError("ValueError", (items.size() > targets.size() ? "too many" : "not enough")
          + " values to unpack (expected " + targets.size() + ", got " + items.size() + ")");
    }
    for (int i = 0; i < targets.size(); i++) {
      f.vars.put(targets.get(i), items.get(i));
    }
  }

  private void forLoop(For loop, Frame f, StringBuilder out) {
    line = loop.line();
    List<Object> items = Py.iterate(eval(loop.iter(), f));
    if (loop.cond() != null) {
      List<Object> kept = new ArrayList<>();
      for (Object o : items) {
        tick();
        Frame cf = new Frame(f);
        assign(loop.targets(), o, cf);
        if (Py.truthy(eval(loop.cond(), cf))) {
          kept.add(o);
        }
      }
      items = kept;
    }
    Loop lp = new Loop(items);
    for (int i = 0; i < items.size(); i++) {
      tick();
      lp.index0 = i;
      Frame inner = new Frame(f);
      inner.vars.put("loop", lp);
      assign(loop.targets(), items.get(i), inner);
      try {
        body(loop.body(), inner, out);
      } catch (BreakLoop b) {
        break;
      } catch (ContinueLoop c) {
        // next item
      }
    }
    if (items.isEmpty()) {
      body(loop.orElse(), f, out);
    }
  }

  // ---- expressions ---------------------------------------------------------------------------

  private Object eval(Expr e, Frame f) {
    if (e instanceof Const c) {
      return c.value();
    } else if (e instanceof Name n) {
      return f.lookup(n.name());
    } else if (e instanceof Attr a) {
      line = a.line();
      return getattr(eval(a.obj(), f), a.name());
    } else if (e instanceof Item it) {
      line = it.line();
      return getitem(eval(it.obj(), f), eval(it.key(), f));
    } else if (e instanceof Slice s) {
      Object obj = eval(s.obj(), f);
      return Py.slice(obj, s.start() == null ? null : intArg(eval(s.start(), f)),
          s.stop() == null ? null : intArg(eval(s.stop(), f)),
          s.step() == null ? null : intArg(eval(s.step(), f)));
    } else if (e instanceof Call c) {
      line = c.line();
      Object fn = eval(c.fn(), f);
      return call(fn, args(c.args(), f), kwargs(c.kwNames(), c.kwValues(), f), c.fn());
    } else if (e instanceof Filter flt) {
      line = flt.line();
      Object obj = eval(flt.obj(), f);
      return filter(flt.name(), obj, args(flt.args(), f),
          kwargs(flt.kwNames(), flt.kwValues(), f), f);
    } else if (e instanceof Test t) {
      line = t.line();
      boolean r = test(t.name(), eval(t.obj(), f), args(t.args(), f));
      return t.negated() != r;
    } else if (e instanceof Binary b) {
      line = b.line();
      Object l = eval(b.left(), f);
      Object r = eval(b.right(), f);
      return b.op().equals("+") ? Py.add(l, r) : Py.arithmetic(b.op(), l, r);
    } else if (e instanceof And a) {
      Object l = eval(a.left(), f);
      return Py.truthy(l) ? eval(a.right(), f) : l;
    } else if (e instanceof Or o) {
      Object l = eval(o.left(), f);
      return Py.truthy(l) ? l : eval(o.right(), f);
    } else if (e instanceof Not n) {
      return !Py.truthy(eval(n.expr(), f));
    } else if (e instanceof Unary u) {
      Object v = eval(u.expr(), f);
      Py.checkDefined(v);
      if (!Py.isNumber(v)) {
        throw Py.typeError("bad operand type for unary " + u.op() + ": '" + Py.typeName(v) + "'");
      }
      if (u.op().equals("+")) {
        return v instanceof Boolean ? (Object) Py.toLong(v) : v;
      }
      return v instanceof Double d ? (Object) (-d) : (Object) (-Py.toLong(v));
    } else if (e instanceof Compare c) {
      Object left = eval(c.first(), f);
      for (int i = 0; i < c.ops().size(); i++) {
        Object right = eval(c.rest().get(i), f);
        if (!compare(c.ops().get(i), left, right)) {
          return false;
        }
        left = right;
      }
      return true;
    } else if (e instanceof Cond c) {
      if (Py.truthy(eval(c.cond(), f))) {
        return eval(c.then(), f);
      }
      return c.orElse() == null ? Py.UNDEFINED : eval(c.orElse(), f);
    } else if (e instanceof ListLit l) {
      List<Object> out = new ArrayList<>();
      for (Expr x : l.items()) {
        out.add(eval(x, f));
      }
      return out;
    } else if (e instanceof TupleLit t) {
      List<Object> out = new ArrayList<>();
      for (Expr x : t.items()) {
        out.add(eval(x, f));
      }
      return new Tuple(out);
    } else if (e instanceof DictLit d) {
      Map<Object, Object> out = new LinkedHashMap<>();
      for (int i = 0; i < d.keys().size(); i++) {
        out.put(eval(d.keys().get(i), f), eval(d.values().get(i), f));
      }
      return out;
    } else if (e instanceof Concat c) {
      StringBuilder sb = new StringBuilder();
      for (Expr x : c.parts()) {
        sb.append(Py.str(eval(x, f)));
      }
      return sb.toString();
    }
    throw new IllegalStateException(e.getClass().getName());
  }

  private static Object intArg(Object v) {
    if (v == null) {
      return null;
    }
    if (!(v instanceof Long) && !(v instanceof Boolean)) {
      throw Py.typeError("slice indices must be integers or None");
    }
    return v;
  }

  private List<Object> args(List<Expr> exprs, Frame f) {
    List<Object> out = new ArrayList<>(exprs.size());
    for (Expr x : exprs) {
      out.add(eval(x, f));
    }
    return out;
  }

  private Map<String, Object> kwargs(List<String> names, List<Expr> values, Frame f) {
    if (names.isEmpty()) {
      return Map.of();
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      out.put(names.get(i), eval(values.get(i), f));
    }
    return out;
  }

  private static boolean compare(String op, Object a, Object b) {
    return switch (op) {
      case "==" -> Py.equal(a, b);
      case "!=" -> !Py.equal(a, b);
      case "<" -> Py.compare(a, b) < 0;
      case "<=" -> Py.compare(a, b) <= 0;
      case ">" -> Py.compare(a, b) > 0;
      case ">=" -> Py.compare(a, b) >= 0;
      case "in" -> Py.contains(b, a);
      case "notin" -> !Py.contains(b, a);
      default -> throw new IllegalStateException(op);
    };
  }

  private static final Set<String> DICT_METHODS = Set.of("get", "items", "keys", "values",
      "copy");

  /** {@code obj.name}: jinja2 tries the attribute (methods), then the item. */
  static Object getattr(Object obj, String name) {
    if (obj instanceof Undefined u) {
      throw Py.undefinedError(u);
    } else if (obj instanceof Map<?, ?> m) {
      if (DICT_METHODS.contains(name)) {
        return dictMethod(m, name);
      }
      return m.containsKey(name) ? m.get(name) : Py.undefined("'dict object' has no attribute '"
          + name + "'");
    } else if (obj instanceof Namespace ns) {
      return ns.attrs.containsKey(name) ? ns.attrs.get(name) : Py.UNDEFINED;
    } else if (obj instanceof Loop lp) {
      return lp.attr(name);
    } else if (obj instanceof String s) {
      return (Callable) (args, kw) -> {
        Object r = PyStringMethods.call(s, name, args.toArray());
        if (r == PyStringMethods.NOT_HANDLED) {
          throw new PyError("AttributeError", "'str' object has no attribute '" + name + "'");
        }
        return r instanceof Integer i ? (Object) i.longValue() : r;
      };
    } else if (obj instanceof List<?> l && (name.equals("index") || name.equals("count"))) {
      return (Callable) (args, kw) -> {
        long c = 0;
        for (int i = 0; i < l.size(); i++) {
          if (Py.equal(l.get(i), args.get(0))) {
            if (name.equals("index")) {
              return (long) i;
            }
            c++;
          }
        }
        if (name.equals("index")) {
          throw new PyError("ValueError", Py.repr(args.get(0)) + " is not in list");
        }
        return c;
      };
    }
    return Py.undefined("'" + Py.typeName(obj) + " object' has no attribute '" + name + "'");
  }

  /** {@code obj[key]}: the item, then (for names) the attribute. */
  static Object getitem(Object obj, Object key) {
    if (obj instanceof Undefined u) {
      throw Py.undefinedError(u);
    }
    Object v = Py.item(obj, key);
    if (v instanceof Undefined && key instanceof String s) {
      if (obj instanceof Map<?, ?> m) {
        return DICT_METHODS.contains(s) ? dictMethod(m, s)
            : Py.undefined("'dict object' has no attribute '" + s + "'");
      }
      if (obj instanceof Namespace || obj instanceof Loop) {
        return getattr(obj, s);
      }
    }
    return v;
  }

  private static Callable dictMethod(Map<?, ?> m, String name) {
    return (args, kw) -> switch (name) {
      case "get" -> {
        if (args.isEmpty()) {
          throw Py.typeError("get expected at least 1 argument, got 0");
        }
        Object k = args.get(0);
        yield m.containsKey(k) ? m.get(k) : args.size() > 1 ? args.get(1) : null;
      }
      case "items" -> {
        List<Object> out = new ArrayList<>();
        m.forEach((k, v) -> out.add(new Tuple(new ArrayList<>(java.util.Arrays.asList(k, v)))));
        yield out;
      }
      case "keys" -> new ArrayList<Object>(m.keySet());
      case "values" -> new ArrayList<Object>(m.values());
      default -> new LinkedHashMap<Object, Object>(m);
    };
  }

  private Object call(Object fn, List<Object> args, Map<String, Object> kwargs, Expr what) {
    if (fn instanceof Callable c) {
      return c.call(args, kwargs);
    }
    if (fn instanceof Undefined u) {
      throw Py.undefinedError(u);
    }
    throw Py.typeError("'" + Py.typeName(fn) + "' object is not callable");
  }

  // ---- globals -------------------------------------------------------------------------------

  static Map<String, Object> builtinGlobals() {
    Map<String, Object> g = new HashMap<>();
    g.put("range", (Callable) (args, kw) -> {
      long start = 0;
      long stop;
      long step = 1;
      if (args.size() == 1) {
        stop = Py.toLong(args.get(0));
      } else if (args.size() >= 2) {
        start = Py.toLong(args.get(0));
        stop = Py.toLong(args.get(1));
        if (args.size() > 2) {
          step = Py.toLong(args.get(2));
        }
      } else {
        throw Py.typeError("range expected at least 1 argument, got 0");
      }
      if (step == 0) {
        throw new PyError("ValueError", "range() arg 3 must not be zero");
      }
      long n = Math.max(0, (stop - start + step + (step > 0 ? -1 : 1)) / step);
      if (n > MAX_RANGE) {
        throw new PyError("OverflowError", "Range too big. The sandbox blocks ranges larger "
            + "than MAX_RANGE (" + MAX_RANGE + ").");
      }
      List<Object> out = new ArrayList<>((int) n);
      for (long i = 0; i < n; i++) {
        out.add(start + i * step);
      }
      return out;
    });
    g.put("namespace", (Callable) (args, kw) -> {
      Namespace ns = new Namespace();
      for (Object a : args) {
        if (a instanceof Map<?, ?> m) {
          m.forEach((k, v) -> ns.attrs.put(Py.str(k), v));
        }
      }
      ns.attrs.putAll(kw);
      return ns;
    });
    g.put("dict", (Callable) (args, kw) -> {
      Map<Object, Object> d = new LinkedHashMap<>();
      for (Object a : args) {
        if (a instanceof Map<?, ?> m) {
          d.putAll(m);
        }
      }
      d.putAll(kw);
      return d;
    });
    return g;
  }

  // ---- filters -------------------------------------------------------------------------------

  private Object filter(String name, Object v, List<Object> a, Map<String, Object> kw, Frame f) {
    switch (name) {
      case "tojson": {
        Object indent = kwOr(kw, a, 0, "indent", null);
        boolean sort = Py.truthy(kw.getOrDefault("sort_keys", false));
        StringBuilder sb = new StringBuilder();
        PyJson.write(sb, v, indent == null ? -1 : (int) Py.toLong(indent), 0, sort,
            Py.truthy(kw.getOrDefault("ensure_ascii", false)),
            kw.get("separators"));
        return sb.toString();
      }
      case "trim": {
        Py.checkDefined(v);
        String s = Py.str(v);
        return a.isEmpty() ? s.strip() : PyStringMethods.call(s, "strip", a.toArray());
      }
      case "length", "count":
        return Py.length(v);
      case "list":
        return Py.iterate(v);
      case "string":
        return Py.str(v);
      case "safe", "e", "escape", "forceescape":
        return name.equals("safe") ? v : Py.str(v).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace("\"", "&#34;").replace("'", "&#39;");
      case "upper":
        return Py.str(v).toUpperCase(Locale.ROOT);
      case "lower":
        return Py.str(v).toLowerCase(Locale.ROOT);
      case "title":
        return PyStringMethods.call(Py.str(v), "title", new Object[0]);
      case "capitalize":
        return PyStringMethods.call(Py.str(v), "capitalize", new Object[0]);
      case "replace": {
        Object[] ra = a.toArray();
        return PyStringMethods.call(Py.str(v), "replace", ra);
      }
      case "d", "default": {
        Object dflt = kwOr(kw, a, 0, "default_value", "");
        boolean bool = Py.truthy(kwOr(kw, a, 1, "boolean", false));
        return v instanceof Undefined || (bool && !Py.truthy(v)) ? dflt : v;
      }
      case "join": {
        String sep = Py.str(kwOr(kw, a, 0, "d", ""));
        Object attr = kwOr(kw, a, 1, "attribute", null);
        StringBuilder sb = new StringBuilder();
        boolean first = true;
        for (Object o : Py.iterate(v)) {
          sb.append(first ? "" : sep).append(Py.str(attr == null ? o : attribute(o, attr)));
          first = false;
        }
        return sb.toString();
      }
      case "first": {
        List<Object> l = Py.iterate(v);
        return l.isEmpty() ? Py.undefined("no first item") : l.get(0);
      }
      case "last": {
        List<Object> l = Py.iterate(v);
        return l.isEmpty() ? Py.undefined("no last item") : l.get(l.size() - 1);
      }
      case "reverse": {
        if (v instanceof String s) {
          return new StringBuilder(s).reverse().toString();
        }
        List<Object> l = Py.iterate(v);
        java.util.Collections.reverse(l);
        return l;
      }
      case "int": {
        Object dflt = kwOr(kw, a, 0, "default", 0L);
        return toInt(v, dflt);
      }
      case "float": {
        Object dflt = kwOr(kw, a, 0, "default", 0.0);
        try {
          if (v instanceof String s) {
            return Double.parseDouble(s.strip());
          }
          return Py.toDouble(v);
        } catch (RuntimeException ex) {
          return dflt;
        }
      }
      case "abs":
        return v instanceof Double d ? (Object) Math.abs(d) : (Object) Math.abs(Py.toLong(v));
      case "round": {
        long prec = Py.toLong(kwOr(kw, a, 0, "precision", 0L));
        String method = Py.str(kwOr(kw, a, 1, "method", "common"));
        double x = Py.toDouble(v);
        java.math.RoundingMode mode = switch (method) {
          case "ceil" -> java.math.RoundingMode.CEILING;
          case "floor" -> java.math.RoundingMode.FLOOR;
          default -> java.math.RoundingMode.HALF_UP;
        };
        return new java.math.BigDecimal(Double.toString(x)).setScale((int) prec, mode)
            .doubleValue();
      }
      case "items": {
        if (v instanceof Undefined) {
          return new ArrayList<>();
        }
        if (!(v instanceof Map<?, ?> m)) {
          throw Py.typeError("Can only get item pairs from a mapping.");
        }
        return dictMethod(m, "items").call(List.of(), Map.of());
      }
      case "dictsort": {
        if (!(v instanceof Map<?, ?> m)) {
          throw Py.typeError("You can only sort by either 'key' or 'value'");
        }
        boolean byValue = "value".equals(kwOr(kw, a, 1, "by", "key"));
        boolean rev = Py.truthy(kwOr(kw, a, 2, "reverse", false));
        boolean cs = Py.truthy(kwOr(kw, a, 0, "case_sensitive", false));
        @SuppressWarnings("unchecked")
        List<Object> items = (List<Object>) dictMethod(m, "items").call(List.of(), Map.of());
        items.sort((x, y) -> {
          int idx = byValue ? 1 : 0;
          return Py.compare(sortKey(((Tuple) x).items().get(idx), cs),
              sortKey(((Tuple) y).items().get(idx), cs));
        });
        if (rev) {
          java.util.Collections.reverse(items);
        }
        return items;
      }
      case "sort": {
        boolean rev = Py.truthy(kwOr(kw, a, 0, "reverse", false));
        boolean cs = Py.truthy(kwOr(kw, a, 1, "case_sensitive", false));
        Object attr = kwOr(kw, a, 2, "attribute", null);
        List<Object> l = Py.iterate(v);
        Comparator<Object> cmp = (x, y) -> Py.compare(
            sortKey(attr == null ? x : attribute(x, attr), cs),
            sortKey(attr == null ? y : attribute(y, attr), cs));
        l.sort(rev ? cmp.reversed() : cmp);
        return l;
      }
      case "unique": {
        boolean cs = Py.truthy(kwOr(kw, a, 0, "case_sensitive", false));
        Object attr = kwOr(kw, a, 1, "attribute", null);
        List<Object> out = new ArrayList<>();
        Set<Object> seen = new LinkedHashSet<>();
        for (Object o : Py.iterate(v)) {
          Object k = sortKey(attr == null ? o : attribute(o, attr), cs);
          if (seen.add(k instanceof List ? Py.repr(k) : k)) {
            out.add(o);
          }
        }
        return out;
      }
      case "min", "max": {
        boolean cs = Py.truthy(kwOr(kw, a, 0, "case_sensitive", false));
        Object attr = kwOr(kw, a, 1, "attribute", null);
        List<Object> l = Py.iterate(v);
        if (l.isEmpty()) {
          return Py.undefined("No aggregated item, sequence was empty.");
        }
        Object best = l.get(0);
        for (Object o : l) {
          int c = Py.compare(sortKey(attr == null ? o : attribute(o, attr), cs),
              sortKey(attr == null ? best : attribute(best, attr), cs));
          if (name.equals("min") ? c < 0 : c > 0) {
            best = o;
          }
        }
        return best;
      }
      case "sum": {
        Object attr = kwOr(kw, a, 0, "attribute", null);
        Object total = kwOr(kw, a, 1, "start", 0L);
        for (Object o : Py.iterate(v)) {
          total = Py.add(total, attr == null ? o : attribute(o, attr));
        }
        return total;
      }
      case "map": {
        List<Object> out = new ArrayList<>();
        if (kw.containsKey("attribute")) {
          Object dflt = kw.get("default");
          for (Object o : Py.iterate(v)) {
            Object x = attribute(o, kw.get("attribute"));
            out.add(x instanceof Undefined && kw.containsKey("default") ? dflt : x);
          }
          return out;
        }
        if (a.isEmpty()) {
          throw new PyError("FilterArgumentError", "map requires a filter argument");
        }
        String fname = Py.str(a.get(0));
        List<Object> rest = a.subList(1, a.size());
        for (Object o : Py.iterate(v)) {
          out.add(filter(fname, o, rest, kw, f));
        }
        return out;
      }
      case "select", "reject", "selectattr", "rejectattr": {
        boolean attrMode = name.endsWith("attr");
        boolean keep = name.startsWith("select");
        List<Object> out = new ArrayList<>();
        for (Object o : Py.iterate(v)) {
          tick();
          Object x = attrMode ? attribute(o, a.get(0)) : o;
          int t = attrMode ? 1 : 0;
          boolean r = a.size() > t ? test(Py.str(a.get(t)), x, a.subList(t + 1, a.size()))
              : Py.truthy(x);
          if (r == keep) {
            out.add(o);
          }
        }
        return out;
      }
      case "attr":
        return getattr(v, Py.str(a.get(0)));
      case "indent": {
        Object w = kwOr(kw, a, 0, "width", 4L);
        String pad = w instanceof String s ? s : " ".repeat((int) Py.toLong(w));
        boolean first = Py.truthy(kwOr(kw, a, 1, "first", false));
        boolean blank = Py.truthy(kwOr(kw, a, 2, "blank", false));
        String s = Py.str(v);
        String[] lines = s.split("\n", -1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
          if (i > 0) {
            sb.append('\n');
          }
          boolean pad1 = (i > 0 || first) && (blank || !lines[i].isBlank());
          sb.append(pad1 ? pad : "").append(lines[i]);
        }
        return sb.toString();
      }
      case "wordcount":
        return (long) (Py.str(v).isBlank() ? 0 : Py.str(v).strip().split("\\s+").length);
      case "center": {
        int w = (int) Py.toLong(kwOr(kw, a, 0, "width", 80L));
        String s = Py.str(v);
        int total = Math.max(0, w - s.length());
        int left = total / 2 + (total & w & 1);
        return " ".repeat(left) + s + " ".repeat(total - left);
      }
      case "format":
        return percentFormat(Py.str(v), a);
      case "batch": {
        int size = (int) Py.toLong(a.get(0));
        List<Object> out = new ArrayList<>();
        List<Object> cur = null;
        for (Object o : Py.iterate(v)) {
          if (cur == null || cur.size() == size) {
            cur = new ArrayList<>();
            out.add(cur);
          }
          cur.add(o);
        }
        return out;
      }
      default:
        throw new PyError("TemplateAssertionError", "No filter named '" + name + "'.");
    }
  }

  private static Object kwOr(Map<String, Object> kw, List<Object> a, int i, String name,
      Object dflt) {
    if (kw.containsKey(name)) {
      return kw.get(name);
    }
    return i < a.size() ? a.get(i) : dflt;
  }

  private static Object sortKey(Object v, boolean caseSensitive) {
    return !caseSensitive && v instanceof String s ? s.toLowerCase(Locale.ROOT) : v;
  }

  /** jinja2's attribute lookup for filters: dotted paths, integer parts index. */
  private static Object attribute(Object o, Object attr) {
    if (attr instanceof Long l) {
      return getitem(o, l);
    }
    Object cur = o;
    for (String part : Py.str(attr).split("\\.")) {
      if (cur instanceof Undefined) {
        return cur;
      }
      cur = part.chars().allMatch(Character::isDigit) && !part.isEmpty()
          ? getitem(cur, Long.parseLong(part)) : getitem(cur, part);
    }
    return cur;
  }

  private static Object toInt(Object v, Object dflt) {
    try {
      if (v instanceof String s) {
        String t = s.strip().replace("_", "");
        try {
          return Long.parseLong(t);
        } catch (NumberFormatException e) {
          return (long) Double.parseDouble(t);
        }
      }
      if (v instanceof Double d) {
        return (long) d.doubleValue();
      }
      return Py.toLong(v);
    } catch (RuntimeException e) {
      return dflt;
    }
  }

  private static String percentFormat(String fmt, List<Object> args) {
    List<Object> values = args.size() == 1 && args.get(0) instanceof Tuple t ? t.items() : args;
    StringBuilder sb = new StringBuilder();
    int ai = 0;
    for (int i = 0; i < fmt.length(); i++) {
      char c = fmt.charAt(i);
      if (c != '%' || i + 1 >= fmt.length()) {
        sb.append(c);
        continue;
      }
      char d = fmt.charAt(++i);
      if (d == '%') {
        sb.append('%');
        continue;
      }
      if (ai >= values.size()) {
        throw Py.typeError("not enough arguments for format string");
      }
      Object v = values.get(ai++);
      switch (d) {
        case 's' -> sb.append(Py.str(v));
        case 'r' -> sb.append(Py.repr(v));
        case 'd', 'i' -> sb.append(v instanceof Double x ? (long) x.doubleValue() : Py.toLong(v));
        case 'f' -> sb.append(String.format(Locale.ROOT, "%f", Py.toDouble(v)));
        default -> throw new PyError("ValueError", "unsupported format character '" + d + "'");
      }
    }
    return sb.toString();
  }

  // ---- tests ---------------------------------------------------------------------------------

  private static boolean test(String name, Object v, List<Object> a) {
    switch (name) {
      case "defined":
        return !(v instanceof Undefined);
      case "undefined":
        return v instanceof Undefined;
      case "none":
        return v == null;
      case "boolean":
        return v instanceof Boolean;
      case "true":
        return Boolean.TRUE.equals(v);
      case "false":
        return Boolean.FALSE.equals(v);
      case "integer":
        return v instanceof Long;
      case "float":
        return v instanceof Double;
      case "number":
        return v instanceof Long || v instanceof Double || v instanceof Boolean;
      case "string":
        return v instanceof String;
      case "mapping":
        return v instanceof Map;
      case "iterable":
        return v instanceof String || v instanceof List || v instanceof Tuple
            || v instanceof Map || v instanceof Undefined;
      case "sequence":
        return v instanceof String || v instanceof List || v instanceof Tuple
            || v instanceof Map;
      case "callable":
        return v instanceof Callable;
      case "sameas":
        return v == a.get(0) || (v instanceof Boolean && v.equals(a.get(0)));
      case "eq", "equalto", "==":
        return Py.equal(v, a.get(0));
      case "ne", "!=":
        return !Py.equal(v, a.get(0));
      case "lt", "lessthan", "<":
        return Py.compare(v, a.get(0)) < 0;
      case "le", "<=":
        return Py.compare(v, a.get(0)) <= 0;
      case "gt", "greaterthan", ">":
        return Py.compare(v, a.get(0)) > 0;
      case "ge", ">=":
        return Py.compare(v, a.get(0)) >= 0;
      case "in":
        return Py.contains(a.get(0), v);
      case "odd":
        return Math.floorMod(Py.toLong(v), 2) == 1;
      case "even":
        return Math.floorMod(Py.toLong(v), 2) == 0;
      case "divisibleby":
        return Math.floorMod(Py.toLong(v), Py.toLong(a.get(0))) == 0;
      case "lower":
        return v instanceof String s && s.equals(s.toLowerCase(Locale.ROOT));
      case "upper":
        return v instanceof String s && s.equals(s.toUpperCase(Locale.ROOT));
      case "escaped":
        return false;
      default:
        throw new PyError("TemplateAssertionError", "No test named '" + name + "'.");
    }
  }

  int line() {
    return line;
  }
}
