package ai.temper.engine.chat;

import ai.temper.engine.chat.JinjaLexer.JinjaError;
import ai.temper.engine.chat.JinjaLexer.Tok;
import ai.temper.engine.chat.JinjaLexer.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Parses jinja2's template language (the part chat templates use) into a tree: output,
 * {@code if/elif/else}, {@code for} (with a condition, {@code else}, unpacking,
 * {@code loop.*}), {@code set} (names, namespace attributes, blocks), {@code macro},
 * {@code filter}, {@code with}, {@code generation}, {@code break/continue}; expressions with
 * jinja2's precedence, slices, filters, tests, calls with keyword arguments, list, tuple and
 * dict literals. {@code include}, {@code import}, {@code extends} and {@code from} are not
 * part of the language here: a template cannot reach anything outside itself.
 */
final class JinjaParser {
  // ---- the tree ----------------------------------------------------------------------------

  sealed interface Node permits Text, Output, If, For, SetVar, SetAttr, SetBlock, Macro,
      FilterBlock, With, Generation, LoopControl {}

  record Text(String text) implements Node {}

  record Output(Expr expr, int line) implements Node {}

  record If(List<Expr> conds, List<List<Node>> bodies, List<Node> orElse) implements Node {}

  record For(List<String> targets, Expr iter, Expr cond, List<Node> body, List<Node> orElse,
      int line) implements Node {}

  record SetVar(List<String> targets, Expr value, int line) implements Node {}

  record SetAttr(String object, String attr, Expr value, int line) implements Node {}

  record SetBlock(String name, List<Node> body) implements Node {}

  record Macro(String name, List<String> params, List<Expr> defaults, List<Node> body)
      implements Node {}

  record FilterBlock(Expr filter, List<Node> body) implements Node {}

  record With(List<String> names, List<Expr> values, List<Node> body) implements Node {}

  record Generation(List<Node> body) implements Node {}

  record LoopControl(boolean isBreak) implements Node {}

  sealed interface Expr permits Const, Name, Attr, Item, Slice, Call, Filter, Test, Binary,
      And, Or, Not, Unary, Compare, Cond, ListLit, TupleLit, DictLit, Concat {}

  record Const(Object value) implements Expr {}

  record Name(String name, int line) implements Expr {}

  record Attr(Expr obj, String name, int line) implements Expr {}

  record Item(Expr obj, Expr key, int line) implements Expr {}

  record Slice(Expr obj, Expr start, Expr stop, Expr step) implements Expr {}

  record Call(Expr fn, List<Expr> args, List<String> kwNames, List<Expr> kwValues, int line)
      implements Expr {}

  /** {@code obj|name(args)}; {@code obj} is null in a {@code {% filter %}} block. */
  record Filter(Expr obj, String name, List<Expr> args, List<String> kwNames,
      List<Expr> kwValues, int line) implements Expr {}

  record Test(Expr obj, String name, List<Expr> args, boolean negated, int line)
      implements Expr {}

  record Binary(String op, Expr left, Expr right, int line) implements Expr {}

  record And(Expr left, Expr right) implements Expr {}

  record Or(Expr left, Expr right) implements Expr {}

  record Not(Expr expr) implements Expr {}

  record Unary(String op, Expr expr) implements Expr {}

  record Compare(Expr first, List<String> ops, List<Expr> rest) implements Expr {}

  record Cond(Expr cond, Expr then, Expr orElse) implements Expr {}

  record ListLit(List<Expr> items) implements Expr {}

  record TupleLit(List<Expr> items) implements Expr {}

  record DictLit(List<Expr> keys, List<Expr> values) implements Expr {}

  record Concat(List<Expr> parts) implements Expr {}

  // ---- parsing -----------------------------------------------------------------------------

  private final List<Tok> toks;
  private int p;

  private JinjaParser(List<Tok> toks) {
    this.toks = toks;
  }

  static List<Node> parse(String source) {
    JinjaParser ps = new JinjaParser(JinjaLexer.tokenize(source));
    List<Node> body = ps.subparse(Set.of());
    if (ps.cur().type() != Type.EOF) {
      throw new JinjaError("unexpected '" + ps.peekBlockName() + "'", ps.cur().line());
    }
    return body;
  }

  private Tok cur() {
    return toks.get(p);
  }

  private Tok next() {
    return toks.get(p++);
  }

  private String peekBlockName() {
    return p + 1 < toks.size() ? toks.get(p + 1).text() : "";
  }

  private JinjaError error(String msg) {
    return new JinjaError(msg, cur().line());
  }

  private Tok expect(Type t, String text) {
    Tok k = cur();
    if (k.type() != t || (text != null && !k.text().equals(text))) {
      throw error("expected " + (text != null ? "'" + text + "'" : t.name().toLowerCase())
          + ", got '" + (k.text().isEmpty() ? k.type().name().toLowerCase() : k.text()) + "'");
    }
    return next();
  }

  private String name() {
    return expect(Type.NAME, null).text();
  }

  /** Nodes until a block tag whose name is in {@code ends} (left unconsumed) or the end. */
  private List<Node> subparse(Set<String> ends) {
    List<Node> body = new ArrayList<>();
    while (cur().type() != Type.EOF) {
      Tok t = next();
      switch (t.type()) {
        case DATA -> body.add(new Text(t.text()));
        case VAR_BEGIN -> {
          Expr e = tupleExpr(false);
          expect(Type.VAR_END, null);
          body.add(new Output(e, t.line()));
        }
        case BLOCK_BEGIN -> {
          Tok kw = cur();
          if (kw.type() == Type.NAME && ends.contains(kw.text())) {
            p--; // leave the block start for the caller
            return body;
          }
          body.add(statement());
        }
        default -> throw new JinjaError("unexpected '" + t.text() + "'", t.line());
      }
    }
    if (!ends.isEmpty()) {
      throw error("unexpected end of template; expected one of " + ends);
    }
    return body;
  }

  /** After a block's nodes: consumes "{% name" and returns the name. */
  private String blockName() {
    expect(Type.BLOCK_BEGIN, null);
    return name();
  }

  private Node statement() {
    Tok kw = expect(Type.NAME, null);
    int line = kw.line();
    switch (kw.text()) {
      case "if": {
        List<Expr> conds = new ArrayList<>();
        List<List<Node>> bodies = new ArrayList<>();
        List<Node> orElse = List.of();
        conds.add(tupleExpr(false));
        expect(Type.BLOCK_END, null);
        while (true) {
          bodies.add(subparse(Set.of("elif", "else", "endif")));
          String b = blockName();
          if (b.equals("elif")) {
            conds.add(tupleExpr(false));
            expect(Type.BLOCK_END, null);
          } else if (b.equals("else")) {
            expect(Type.BLOCK_END, null);
            orElse = subparse(Set.of("endif"));
            blockName();
            expect(Type.BLOCK_END, null);
            break;
          } else {
            expect(Type.BLOCK_END, null);
            break;
          }
        }
        return new If(conds, bodies, orElse);
      }
      case "for": {
        List<String> targets = new ArrayList<>();
        boolean paren = cur().isOp("(");
        if (paren) {
          next();
        }
        targets.add(name());
        while (cur().isOp(",")) {
          next();
          if (cur().type() != Type.NAME || cur().isName("in")) {
            break;
          }
          targets.add(name());
        }
        if (paren) {
          expect(Type.OP, ")");
        }
        expect(Type.NAME, "in");
        Expr iter = tupleExpr(true);
        Expr cond = null;
        if (cur().isName("if")) {
          next();
          cond = expression(true);
        }
        if (cur().isName("recursive")) {
          throw error("recursive loops are not supported in chat templates");
        }
        expect(Type.BLOCK_END, null);
        List<Node> body = subparse(Set.of("else", "endfor"));
        List<Node> orElse = List.of();
        if (blockName().equals("else")) {
          expect(Type.BLOCK_END, null);
          orElse = subparse(Set.of("endfor"));
          blockName();
        }
        expect(Type.BLOCK_END, null);
        return new For(targets, iter, cond, body, orElse, line);
      }
      case "set": {
        String first = name();
        if (cur().isOp(".")) {
          next();
          String attr = name();
          expect(Type.OP, "=");
          Expr value = tupleExpr(false);
          expect(Type.BLOCK_END, null);
          return new SetAttr(first, attr, value, line);
        }
        List<String> targets = new ArrayList<>(List.of(first));
        while (cur().isOp(",")) {
          next();
          targets.add(name());
        }
        if (cur().type() == Type.BLOCK_END && targets.size() == 1) {
          next();
          List<Node> body = subparse(Set.of("endset"));
          blockName();
          expect(Type.BLOCK_END, null);
          return new SetBlock(first, body);
        }
        expect(Type.OP, "=");
        Expr value = tupleExpr(false);
        expect(Type.BLOCK_END, null);
        return new SetVar(targets, value, line);
      }
      case "macro": {
        String name = name();
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        expect(Type.OP, "(");
        while (!cur().isOp(")")) {
          if (!params.isEmpty()) {
            expect(Type.OP, ",");
            if (cur().isOp(")")) {
              break;
            }
          }
          params.add(name());
          if (cur().isOp("=")) {
            next();
            defaults.add(expression(true));
          } else {
            defaults.add(null);
          }
        }
        next();
        expect(Type.BLOCK_END, null);
        List<Node> body = subparse(Set.of("endmacro"));
        blockName();
        expect(Type.BLOCK_END, null);
        return new Macro(name, params, defaults, body);
      }
      case "filter": {
        Expr f = filterChain(null);
        expect(Type.BLOCK_END, null);
        List<Node> body = subparse(Set.of("endfilter"));
        blockName();
        expect(Type.BLOCK_END, null);
        return new FilterBlock(f, body);
      }
      case "with": {
        List<String> names = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (cur().type() != Type.BLOCK_END) {
          if (!names.isEmpty()) {
            expect(Type.OP, ",");
          }
          names.add(name());
          expect(Type.OP, "=");
          values.add(expression(true));
        }
        next();
        List<Node> body = subparse(Set.of("endwith"));
        blockName();
        expect(Type.BLOCK_END, null);
        return new With(names, values, body);
      }
      case "generation": {
        expect(Type.BLOCK_END, null);
        List<Node> body = subparse(Set.of("endgeneration"));
        blockName();
        expect(Type.BLOCK_END, null);
        return new Generation(body);
      }
      case "break":
      case "continue":
        expect(Type.BLOCK_END, null);
        return new LoopControl(kw.text().equals("break"));
      case "include":
      case "import":
      case "from":
      case "extends":
        throw new JinjaError("'" + kw.text() + "' is not allowed in a chat template: templates "
            + "may not load other templates or files", line);
      default:
        throw new JinjaError("unknown tag '" + kw.text() + "'", line);
    }
  }

  // ---- expressions -------------------------------------------------------------------------

  /** An expression, or a tuple of them when commas follow (as in {@code {{ a, b }}}). */
  private Expr tupleExpr(boolean noCondExpr) {
    Expr first = expression(!noCondExpr);
    if (!cur().isOp(",")) {
      return first;
    }
    List<Expr> items = new ArrayList<>(List.of(first));
    while (cur().isOp(",")) {
      next();
      if (atExprEnd()) {
        break;
      }
      items.add(expression(!noCondExpr));
    }
    return new TupleLit(items);
  }

  private boolean atExprEnd() {
    Tok t = cur();
    return t.type() == Type.BLOCK_END || t.type() == Type.VAR_END || t.isOp(")")
        || t.isOp("]") || t.isOp("}") || t.isName("if") || t.isName("in");
  }

  private Expr expression(boolean withCond) {
    Expr e = or();
    if (withCond && cur().isName("if")) {
      next();
      Expr cond = or();
      Expr orElse = null;
      if (cur().isName("else")) {
        next();
        orElse = expression(true);
      }
      return new Cond(cond, e, orElse);
    }
    return e;
  }

  private Expr or() {
    Expr e = and();
    while (cur().isName("or")) {
      next();
      e = new Or(e, and());
    }
    return e;
  }

  private Expr and() {
    Expr e = not();
    while (cur().isName("and")) {
      next();
      e = new And(e, not());
    }
    return e;
  }

  private Expr not() {
    if (cur().isName("not")) {
      next();
      return new Not(not());
    }
    return compare();
  }

  private Expr compare() {
    Expr first = math1();
    List<String> ops = new ArrayList<>();
    List<Expr> rest = new ArrayList<>();
    while (true) {
      Tok t = cur();
      String op;
      if (t.type() == Type.OP && Set.of("==", "!=", "<", ">", "<=", ">=").contains(t.text())) {
        op = t.text();
        next();
      } else if (t.isName("in")) {
        op = "in";
        next();
      } else if (t.isName("not") && toks.get(p + 1).isName("in")) {
        op = "notin";
        p += 2;
      } else {
        break;
      }
      ops.add(op);
      rest.add(math1());
    }
    return ops.isEmpty() ? first : new Compare(first, ops, rest);
  }

  private Expr math1() {
    Expr e = concat();
    while (cur().isOp("+") || cur().isOp("-")) {
      Tok op = next();
      e = new Binary(op.text(), e, concat(), op.line());
    }
    return e;
  }

  private Expr concat() {
    Expr e = math2();
    if (!cur().isOp("~")) {
      return e;
    }
    List<Expr> parts = new ArrayList<>(List.of(e));
    while (cur().isOp("~")) {
      next();
      parts.add(math2());
    }
    return new Concat(parts);
  }

  private Expr math2() {
    Expr e = pow();
    while (cur().isOp("*") || cur().isOp("/") || cur().isOp("//") || cur().isOp("%")) {
      Tok op = next();
      e = new Binary(op.text(), e, pow(), op.line());
    }
    return e;
  }

  private Expr pow() {
    Expr e = unary(true);
    while (cur().isOp("**")) {
      Tok op = next();
      e = new Binary("**", e, unary(true), op.line());
    }
    return e;
  }

  private Expr unary(boolean withFilter) {
    Expr e;
    if (cur().isOp("-") || cur().isOp("+")) {
      String op = next().text();
      e = new Unary(op, unary(false));
    } else {
      e = postfix(primary());
    }
    return withFilter ? filterChain(e) : e;
  }

  private Expr primary() {
    Tok t = next();
    switch (t.type()) {
      case NAME:
        switch (t.text()) {
          case "true", "True":
            return new Const(Boolean.TRUE);
          case "false", "False":
            return new Const(Boolean.FALSE);
          case "none", "None":
            return new Const(null);
          default:
            return new Name(t.text(), t.line());
        }
      case STRING: {
        StringBuilder sb = new StringBuilder(t.text());
        while (cur().type() == Type.STRING) { // adjacent literals join
          sb.append(next().text());
        }
        return new Const(sb.toString());
      }
      case INT:
        return new Const(Long.parseLong(t.text()));
      case FLOAT:
        return new Const(Double.parseDouble(t.text()));
      case OP:
        switch (t.text()) {
          case "(": {
            if (cur().isOp(")")) {
              next();
              return new TupleLit(List.of());
            }
            Expr e = expression(true);
            if (cur().isOp(",")) {
              List<Expr> items = new ArrayList<>(List.of(e));
              while (cur().isOp(",")) {
                next();
                if (cur().isOp(")")) {
                  break;
                }
                items.add(expression(true));
              }
              e = new TupleLit(items);
            }
            expect(Type.OP, ")");
            return e;
          }
          case "[": {
            List<Expr> items = new ArrayList<>();
            while (!cur().isOp("]")) {
              if (!items.isEmpty()) {
                expect(Type.OP, ",");
                if (cur().isOp("]")) {
                  break;
                }
              }
              items.add(expression(true));
            }
            next();
            return new ListLit(items);
          }
          case "{": {
            List<Expr> keys = new ArrayList<>();
            List<Expr> values = new ArrayList<>();
            while (!cur().isOp("}")) {
              if (!keys.isEmpty()) {
                expect(Type.OP, ",");
                if (cur().isOp("}")) {
                  break;
                }
              }
              keys.add(expression(true));
              expect(Type.OP, ":");
              values.add(expression(true));
            }
            next();
            return new DictLit(keys, values);
          }
          default:
            break;
        }
        break;
      default:
        break;
    }
    throw new JinjaError("unexpected '" + (t.text().isEmpty() ? t.type().name().toLowerCase()
        : t.text()) + "'", t.line());
  }

  private Expr postfix(Expr e) {
    while (true) {
      Tok t = cur();
      if (t.isOp(".")) {
        next();
        Tok n = next();
        if (n.type() == Type.INT) {
          e = new Item(e, new Const(Long.parseLong(n.text())), n.line());
        } else if (n.type() == Type.NAME) {
          e = new Attr(e, n.text(), n.line());
        } else {
          throw new JinjaError("expected a name after '.'", n.line());
        }
      } else if (t.isOp("[")) {
        next();
        e = subscript(e, t.line());
      } else if (t.isOp("(")) {
        e = call(e);
      } else {
        return e;
      }
    }
  }

  private Expr subscript(Expr obj, int line) {
    Expr[] parts = new Expr[3];
    int part = 0;
    boolean isSlice = false;
    while (!cur().isOp("]")) {
      if (cur().isOp(":")) {
        next();
        isSlice = true;
        part++;
        if (part > 2) {
          throw error("too many ':' in a slice");
        }
        continue;
      }
      if (cur().isOp(",")) {
        throw error("tuple subscripts are not supported");
      }
      parts[part] = expression(true);
    }
    next();
    if (isSlice) {
      return new Slice(obj, parts[0], parts[1], parts[2]);
    }
    if (parts[0] == null) {
      throw new JinjaError("expected a subscript", line);
    }
    return new Item(obj, parts[0], line);
  }

  private Call call(Expr fn) {
    int line = expect(Type.OP, "(").line();
    List<Expr> args = new ArrayList<>();
    List<String> kwNames = new ArrayList<>();
    List<Expr> kwValues = new ArrayList<>();
    callArgs(args, kwNames, kwValues);
    return new Call(fn, args, kwNames, kwValues, line);
  }

  /** Arguments after '(' up to and including ')'. */
  private void callArgs(List<Expr> args, List<String> kwNames, List<Expr> kwValues) {
    boolean first = true;
    while (!cur().isOp(")")) {
      if (!first) {
        expect(Type.OP, ",");
        if (cur().isOp(")")) {
          break;
        }
      }
      first = false;
      if (cur().type() == Type.NAME && toks.get(p + 1).isOp("=")) {
        kwNames.add(next().text());
        next();
        kwValues.add(expression(true));
      } else {
        if (!kwNames.isEmpty()) {
          throw error("positional argument after a keyword argument");
        }
        args.add(expression(true));
      }
    }
    next();
  }

  /** Filters and tests after a value ({@code |f(x)}, {@code is t}); obj null in blocks. */
  private Expr filterChain(Expr obj) {
    Expr e = obj;
    if (obj == null) { // {% filter name(args) %}: the first filter without a pipe
      e = filterCall(null);
    }
    while (true) {
      if (cur().isOp("|")) {
        next();
        e = filterCall(e);
      } else if (cur().isName("is") && e != null) {
        next();
        e = test(e);
      } else if (cur().isOp("(") && e != null) {
        e = call(e);
      } else {
        return e;
      }
    }
  }

  private Expr filterCall(Expr obj) {
    Tok n = expect(Type.NAME, null);
    String name = n.text();
    while (cur().isOp(".")) {
      next();
      name += "." + name();
    }
    List<Expr> args = new ArrayList<>();
    List<String> kwNames = new ArrayList<>();
    List<Expr> kwValues = new ArrayList<>();
    if (cur().isOp("(")) {
      next();
      callArgs(args, kwNames, kwValues);
    }
    return new Filter(obj, name, args, kwNames, kwValues, n.line());
  }

  private Expr test(Expr obj) {
    boolean negated = false;
    if (cur().isName("not")) {
      next();
      negated = true;
    }
    Tok n = expect(Type.NAME, null);
    String name = n.text();
    List<Expr> args = new ArrayList<>();
    Tok t = cur();
    if (t.isOp("(")) {
      next();
      List<String> kwNames = new ArrayList<>();
      callArgs(args, kwNames, new ArrayList<>());
    } else if ((t.type() == Type.NAME || t.type() == Type.STRING || t.type() == Type.INT
        || t.type() == Type.FLOAT || t.isOp("(") || t.isOp("[") || t.isOp("{"))
        && !t.isName("else") && !t.isName("or") && !t.isName("and") && !t.isName("if")
        && !t.isName("in") && !t.isName("not")) {
      args.add(postfix(primary()));
    }
    return new Test(obj, name, args, negated, n.line());
  }
}
