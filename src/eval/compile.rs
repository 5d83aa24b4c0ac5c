//! The compiled engine. Each function body is lowered once (on its first
//! call) into a tree of closures specialised by node shape: integer fast
//! paths for `var op const`, conditions that yield a `bool` directly, user
//! calls bound to their compiled target (no lookup by name per call) whose
//! frames live on the native stack, in-place text append for temporaries.
//!
//! Anything not specialised here runs through the tree walker
//! (`Interpreter::eval` / `Interpreter::exec`), so diagnostics, spans and
//! statement counting stay exactly the walker's. Every compiled statement
//! counts itself first, as `exec` does, and errors get the same spans.

use std::cell::Cell;
use std::mem::ManuallyDrop;
use std::rc::Rc;

use smallvec::SmallVec;

use super::ops::{add_owned, binary_op};
use super::{Flow, Interpreter, RtResult};
use crate::builtins;
use crate::diag::SourceFile;
use crate::syntax::ast::{BinOp, Expr, ExprKind, Function, Span, Stmt, StmtKind};
use crate::value::{Key, TypeTag, Value};

type XFn<'a> = Box<dyn Fn(&mut Interpreter, &mut [Value]) -> RtResult<Value> + 'a>;
type CFn<'a> = Box<dyn Fn(&mut Interpreter, &mut [Value]) -> RtResult<bool> + 'a>;
type SFn<'a> = Box<dyn Fn(&mut Interpreter, &mut [Value]) -> RtResult<Flow> + 'a>;

/// A compiled statement list.
pub(crate) struct Block<'a>(Box<[SFn<'a>]>);

impl<'a> Block<'a> {
    pub(crate) fn new(stmts: &'a [Stmt]) -> Block<'a> {
        Block(stmts.iter().map(stmt).collect())
    }

    #[inline]
    pub(crate) fn run(&self, interp: &mut Interpreter, frame: &mut [Value]) -> RtResult<Flow> {
        for s in self.0.iter() {
            match s(interp, frame)? {
                Flow::Next => {}
                other => return Ok(other),
            }
        }
        Ok(Flow::Next)
    }
}

/// A compiled user function.
pub(crate) struct CompiledFn {
    /// Borrows from `function`'s syntax tree; declared first so it is
    /// dropped before the tree.
    body: Block<'static>,
    slots: usize,
    source: SourceFile,
    /// Keeps the syntax tree that `body` borrows alive.
    _function: Rc<Function>,
}

impl CompiledFn {
    fn new(function: &Rc<Function>, source: &SourceFile) -> CompiledFn {
        let body = Block::new(&function.body);
        // SAFETY: `body` borrows nodes of `function`'s syntax tree, which is
        // immutable and heap-allocated behind the `Rc` stored alongside it
        // (and dropped after it), so the borrowed nodes outlive `body`.
        let body: Block<'static> =
            unsafe { std::mem::transmute::<Block<'_>, Block<'static>>(body) };
        CompiledFn {
            body,
            slots: function.slot_names.len(),
            source: source.clone(),
            _function: function.clone(),
        }
    }

    /// Run the body in `frame` as the script's main function.
    pub(crate) fn run_body(
        &self,
        interp: &mut Interpreter,
        frame: &mut [Value],
    ) -> RtResult<Value> {
        match self.body.run(interp, frame)? {
            Flow::Return(v) => Ok(v),
            _ => Ok(Value::Null),
        }
    }

    /// Call with the frame already filled (parameters first). The caller
    /// has checked arity.
    #[inline]
    pub(crate) fn invoke(&self, interp: &mut Interpreter, frame: &mut [Value]) -> RtResult<Value> {
        if interp.depth >= interp.options.max_depth {
            return Err(super::calls::depth_error(interp));
        }
        interp.depth += 1;
        let result = if SourceFile::ptr_eq(&interp.source, &self.source) {
            self.body.run(interp, frame)
        } else {
            let saved = std::mem::replace(&mut interp.source, self.source.clone());
            let r = self.body.run(interp, frame);
            interp.source = saved;
            r
        };
        interp.depth -= 1;
        match result? {
            Flow::Return(v) => Ok(v),
            _ => Ok(Value::Null),
        }
    }
}

impl Interpreter {
    /// The compiled form of a function, compiling it on first use.
    pub(crate) fn compiled_fn(&mut self, f: &Rc<Function>, source: &SourceFile) -> Rc<CompiledFn> {
        let key = Rc::as_ptr(f);
        if let Some(c) = self.compiled.get(&key) {
            return c.clone();
        }
        let c = Rc::new(CompiledFn::new(f, source));
        self.compiled.insert(key, c.clone());
        c
    }
}

// ------------------------------------------------------------ statements

fn stmt(s: &Stmt) -> SFn<'_> {
    let span = s.span;
    match &s.kind {
        StmtKind::Assign {
            slot,
            op: None,
            value,
        } => {
            let slot = *slot as usize;
            // `s = s + x`: append in place when `s` holds text (the walker's rule).
            if let ExprKind::Binary(BinOp::Add, lhs, rhs) = &value.kind
                && matches!(lhs.kind, ExprKind::Var { slot: v } if v as usize == slot)
            {
                // (Evaluating `x` cannot assign to `s`, so reading `s` after
                // it is the same as reading it first.)
                let rhs = expr(rhs);
                let vspan = value.span;
                return Box::new(move |i, f| {
                    i.tick(span)?;
                    let r = rhs(i, f)?;
                    match (&mut f[slot], &r) {
                        (Value::Int(x), Value::Int(y)) if x.checked_add(*y).is_some() => {
                            *x += *y;
                        }
                        (Value::Text(_), _) => {
                            i.append_in_place(slot, BinOp::Add, r, f)
                                .map_err(|e| e.at(vspan, &i.source))?;
                        }
                        _ => {
                            let v = generic_binary(i, BinOp::Add, &f[slot], &r, vspan)?;
                            f[slot] = v;
                        }
                    }
                    Ok(Flow::Next)
                });
            }
            let x = expr(value);
            Box::new(move |i, f| {
                i.tick(span)?;
                let v = x(i, f)?;
                f[slot] = v;
                Ok(Flow::Next)
            })
        }
        StmtKind::Assign {
            slot,
            op: Some(op),
            value,
        } => {
            let (slot, op) = (*slot as usize, *op);
            let x = expr(value);
            Box::new(move |i, f| {
                i.tick(span)?;
                let r = x(i, f)?;
                i.append_in_place(slot, op, r, f)
                    .map_err(|e| e.at(span, &i.source))?;
                Ok(Flow::Next)
            })
        }
        StmtKind::Expr(e) => {
            let x = expr(e);
            Box::new(move |i, f| {
                i.tick(span)?;
                x(i, f)?;
                Ok(Flow::Next)
            })
        }
        StmtKind::If {
            branches,
            otherwise,
        } => {
            // `if (c) { return e; }`: one closure (counts both statements).
            if let ([(c, body)], None) = (branches.as_slice(), otherwise)
                && let [ret] = body.as_slice()
                && let StmtKind::Return(Some(e)) = &ret.kind
            {
                let (c, x, rspan) = (Cond::new(c), Operand::new(e), ret.span);
                return Box::new(move |i, f| {
                    i.tick(span)?;
                    if c.eval(i, f)? {
                        i.tick(rspan)?;
                        return Ok(Flow::Return(x.eval(i, f)?));
                    }
                    Ok(Flow::Next)
                });
            }
            let branches: Vec<(Cond<'_>, Block<'_>)> = branches
                .iter()
                .map(|(c, body)| (Cond::new(c), Block::new(body)))
                .collect();
            let otherwise = otherwise.as_ref().map(|b| Block::new(b));
            if branches.len() == 1 {
                let (c, body) = branches.into_iter().next().expect("one branch");
                return Box::new(move |i, f| {
                    i.tick(span)?;
                    if c.eval(i, f)? {
                        return body.run(i, f);
                    }
                    match &otherwise {
                        Some(b) => b.run(i, f),
                        None => Ok(Flow::Next),
                    }
                });
            }
            Box::new(move |i, f| {
                i.tick(span)?;
                for (c, body) in &branches {
                    if c.eval(i, f)? {
                        return body.run(i, f);
                    }
                }
                match &otherwise {
                    Some(b) => b.run(i, f),
                    None => Ok(Flow::Next),
                }
            })
        }
        StmtKind::ForEach {
            slot,
            iterable,
            body,
            index,
        } => {
            let (slot, index, ispan) = (*slot as usize, *index, iterable.span);
            let body = Block::new(body);
            // `for each k in m.keys()`: the keys are copied (short text keys
            // are inline, so no allocation per key) instead of building a
            // list of values first; each value is made as the loop reaches it.
            if let ExprKind::Method {
                receiver,
                name,
                method,
                args,
            } = &iterable.kind
                && args.is_empty()
                && name.eq_ignore_ascii_case("keys")
            {
                let recv = expr(receiver);
                let method = *method;
                let cache: MethodCache = Cell::new(None);
                return Box::new(move |i, f| {
                    i.tick(span)?;
                    let r = recv(i, f)?;
                    let items = match &r {
                        Value::Map(m) => Items::Keys(m.borrow().keys().cloned().collect()),
                        _ => {
                            let v = call_cached(i, &cache, &r, name, method, &[], ispan)?;
                            Items::List(i.iteration_list(&v, ispan)?)
                        }
                    };
                    drop(r);
                    run_loop(i, f, items, slot, index, ispan, &body)
                });
            }
            let it = expr(iterable);
            Box::new(move |i, f| {
                i.tick(span)?;
                let source_value = it(i, f)?;
                let items = match &source_value {
                    Value::Map(m) => Items::Keys(m.borrow().keys().cloned().collect()),
                    v => Items::List(i.iteration_list(v, ispan)?),
                };
                drop(source_value);
                run_loop(i, f, items, slot, index, ispan, &body)
            })
        }
        StmtKind::Break => Box::new(move |i, _| {
            i.tick(span)?;
            Ok(Flow::Break)
        }),
        StmtKind::Continue => Box::new(move |i, _| {
            i.tick(span)?;
            Ok(Flow::Continue)
        }),
        StmtKind::Return(Some(e)) => {
            let x = Operand::new(e);
            Box::new(move |i, f| {
                i.tick(span)?;
                Ok(Flow::Return(x.eval(i, f)?))
            })
        }
        StmtKind::Return(None) => Box::new(move |i, _| {
            i.tick(span)?;
            Ok(Flow::Return(Value::Null))
        }),
        StmtKind::Try {
            body,
            slot,
            handler,
        } => {
            let slot = *slot as usize;
            let body = Block::new(body);
            let handler = Block::new(handler);
            Box::new(move |i, f| {
                i.tick(span)?;
                match body.run(i, f) {
                    Ok(flow) => Ok(flow),
                    Err(err) if err.is_catchable() => {
                        f[slot] = Interpreter::error_value(&err);
                        handler.run(i, f).map_err(|e| e.while_handling(&err))
                    }
                    Err(err) => Err(err),
                }
            })
        }
        // `info`, field assignment and Creator statements: the walker's code.
        _ => Box::new(move |i, f| i.exec(s, f)),
    }
}

/// What a `for each` walks: a list (shared: the body may grow it, and the
/// loop sees that) or a snapshot of a map's keys.
enum Items {
    List(crate::value::List),
    Keys(Vec<Key>),
}

#[inline]
fn run_loop(
    i: &mut Interpreter,
    f: &mut [Value],
    items: Items,
    slot: usize,
    index: bool,
    ispan: Span,
    body: &Block<'_>,
) -> RtResult<Flow> {
    // Re-read the length every iteration: the body may grow the list.
    let mut n = 0usize;
    loop {
        let item = match &items {
            Items::List(list) => {
                let items = list.borrow();
                if n >= items.len() {
                    break;
                }
                if index {
                    Value::Int(n as i64)
                } else {
                    items[n].clone()
                }
            }
            Items::Keys(keys) => match keys.get(n) {
                None => break,
                Some(_) if index => Value::Int(n as i64),
                Some(k) => k.to_value(),
            },
        };
        if n > 0 {
            // The loop header counts as a statement on each iteration.
            i.tick(ispan)?;
        }
        f[slot] = item;
        match body.run(i, f)? {
            Flow::Break => break,
            Flow::Return(v) => return Ok(Flow::Return(v)),
            Flow::Next | Flow::Continue => {}
        }
        n += 1;
    }
    Ok(Flow::Next)
}

// ----------------------------------------------------------- expressions

/// Integer fast path shared by every binary shape; `None` means "ask
/// `binary_op`" (overflow, division by zero: it builds the error).
#[inline(always)]
fn int_op(op: BinOp, x: i64, y: i64) -> Option<Value> {
    match op {
        BinOp::Add => x.checked_add(y).map(Value::Int),
        BinOp::Sub => x.checked_sub(y).map(Value::Int),
        BinOp::Mul => x.checked_mul(y).map(Value::Int),
        BinOp::Div if y != 0 => x.checked_div(y).map(Value::Int),
        BinOp::Rem if y != 0 => x.checked_rem(y).map(Value::Int),
        BinOp::Lt => Some(Value::Bool(x < y)),
        BinOp::Le => Some(Value::Bool(x <= y)),
        BinOp::Gt => Some(Value::Bool(x > y)),
        BinOp::Ge => Some(Value::Bool(x >= y)),
        BinOp::Eq => Some(Value::Bool(x == y)),
        BinOp::Ne => Some(Value::Bool(x != y)),
        _ => None,
    }
}

#[inline(always)]
fn int_cmp(op: BinOp, x: i64, y: i64) -> Option<bool> {
    match op {
        BinOp::Lt => Some(x < y),
        BinOp::Le => Some(x <= y),
        BinOp::Gt => Some(x > y),
        BinOp::Ge => Some(x >= y),
        BinOp::Eq => Some(x == y),
        BinOp::Ne => Some(x != y),
        _ => None,
    }
}

#[inline(never)]
fn generic_binary(i: &Interpreter, op: BinOp, a: &Value, b: &Value, span: Span) -> RtResult<Value> {
    binary_op(op, a, b).map_err(|err| err.at(span, &i.source))
}

/// The shapes most operands take (a variable, an integer, `var ± int`),
/// evaluated inline by the consumer instead of through a boxed closure:
/// call arguments and binary operands are nearly always one of these, and
/// the dynamic call per operand is a large part of a small node's cost.
enum Operand<'a> {
    Slot(usize),
    Int(i64),
    SlotAddInt(usize, i64, Span),
    SlotSubInt(usize, i64, Span),
    Dyn(XFn<'a>),
}

impl<'a> Operand<'a> {
    fn new(e: &'a Expr) -> Operand<'a> {
        match &e.kind {
            ExprKind::Var { slot } => Operand::Slot(*slot as usize),
            ExprKind::Const(Value::Int(n)) => Operand::Int(*n),
            ExprKind::Binary(op @ (BinOp::Add | BinOp::Sub), lhs, rhs) => {
                match (&lhs.kind, &rhs.kind) {
                    (ExprKind::Var { slot }, ExprKind::Const(Value::Int(k))) => {
                        let (slot, k) = (*slot as usize, *k);
                        if *op == BinOp::Add {
                            Operand::SlotAddInt(slot, k, e.span)
                        } else {
                            Operand::SlotSubInt(slot, k, e.span)
                        }
                    }
                    _ => Operand::Dyn(expr(e)),
                }
            }
            _ => Operand::Dyn(expr(e)),
        }
    }

    #[inline(always)]
    fn eval(&self, i: &mut Interpreter, f: &mut [Value]) -> RtResult<Value> {
        match self {
            Operand::Slot(s) => Ok(f[*s].clone()),
            Operand::Int(n) => Ok(Value::Int(*n)),
            Operand::SlotAddInt(s, k, span) => {
                if let Value::Int(x) = f[*s]
                    && let Some(v) = x.checked_add(*k)
                {
                    return Ok(Value::Int(v));
                }
                generic_binary(i, BinOp::Add, &f[*s], &Value::Int(*k), *span)
            }
            Operand::SlotSubInt(s, k, span) => {
                if let Value::Int(x) = f[*s]
                    && let Some(v) = x.checked_sub(*k)
                {
                    return Ok(Value::Int(v));
                }
                generic_binary(i, BinOp::Sub, &f[*s], &Value::Int(*k), *span)
            }
            Operand::Dyn(x) => x(i, f),
        }
    }
}

fn expr(e: &Expr) -> XFn<'_> {
    let span = e.span;
    match &e.kind {
        ExprKind::Const(Value::Int(n)) => {
            let n = *n;
            Box::new(move |_, _| Ok(Value::Int(n)))
        }
        ExprKind::Const(v) => {
            let v = v.clone();
            Box::new(move |_, _| Ok(v.clone()))
        }
        ExprKind::Var { slot } => {
            let slot = *slot as usize;
            Box::new(move |_, f| Ok(f[slot].clone()))
        }
        ExprKind::Binary(op, lhs, rhs) if !matches!(op, BinOp::And | BinOp::Or) => {
            binary(*op, lhs, rhs, span)
        }
        ExprKind::Call { name, args } => call(name, args, span),
        ExprKind::Method {
            receiver,
            name,
            method,
            args,
        } => method_call(receiver, name, *method, args, span),
        ExprKind::List(items) => {
            let items: Vec<XFn<'_>> = items.iter().map(expr).collect();
            Box::new(move |i, f| {
                let mut out = Vec::with_capacity(items.len());
                for x in &items {
                    out.push(x(i, f)?);
                }
                Ok(Value::new_list(out))
            })
        }
        ExprKind::IfExpr(parts) => {
            let [c, then, otherwise] = parts.as_ref();
            let (c, then, otherwise) = (cond(c), expr(then), expr(otherwise));
            Box::new(move |i, f| {
                if c(i, f)? {
                    then(i, f)
                } else {
                    otherwise(i, f)
                }
            })
        }
        _ => Box::new(move |i, f| i.eval(e, f)),
    }
}

fn binary<'a>(op: BinOp, lhs: &'a Expr, rhs: &'a Expr, span: Span) -> XFn<'a> {
    // Constant folding (only when it succeeds: errors stay at run time).
    if let (ExprKind::Const(a), ExprKind::Const(b)) = (&lhs.kind, &rhs.kind)
        && let Ok(v) = binary_op(op, a, b)
    {
        return Box::new(move |_, _| Ok(v.clone()));
    }
    match (&lhs.kind, &rhs.kind) {
        (ExprKind::Var { slot }, ExprKind::Const(Value::Int(k))) => {
            let (slot, k) = (*slot as usize, *k);
            Box::new(move |i, f| {
                if let Value::Int(x) = f[slot]
                    && let Some(v) = int_op(op, x, k)
                {
                    return Ok(v);
                }
                generic_binary(i, op, &f[slot], &Value::Int(k), span)
            })
        }
        (ExprKind::Var { slot: a }, ExprKind::Var { slot: b }) => {
            let (a, b) = (*a as usize, *b as usize);
            Box::new(move |i, f| {
                if let (Value::Int(x), Value::Int(y)) = (&f[a], &f[b])
                    && let Some(v) = int_op(op, *x, *y)
                {
                    return Ok(v);
                }
                generic_binary(i, op, &f[a], &f[b], span)
            })
        }
        (ExprKind::Var { slot }, _) => {
            let slot = *slot as usize;
            let r = expr(rhs);
            Box::new(move |i, f| {
                let b = r(i, f)?;
                if let (Value::Int(x), Value::Int(y)) = (&f[slot], &b)
                    && let Some(v) = int_op(op, *x, *y)
                {
                    return Ok(v);
                }
                generic_binary(i, op, &f[slot], &b, span)
            })
        }
        (_, ExprKind::Var { slot }) => {
            let slot = *slot as usize;
            let l = expr(lhs);
            Box::new(move |i, f| {
                let a = l(i, f)?;
                if let (Value::Int(x), Value::Int(y)) = (&a, &f[slot])
                    && let Some(v) = int_op(op, *x, *y)
                {
                    return Ok(v);
                }
                if op == BinOp::Add {
                    return add_owned(a, &f[slot]).map_err(|err| err.at(span, &i.source));
                }
                generic_binary(i, op, &a, &f[slot], span)
            })
        }
        (_, ExprKind::Const(Value::Int(k))) => {
            let k = *k;
            let l = expr(lhs);
            Box::new(move |i, f| {
                let a = l(i, f)?;
                if let Value::Int(x) = a
                    && let Some(v) = int_op(op, x, k)
                {
                    return Ok(v);
                }
                generic_binary(i, op, &a, &Value::Int(k), span)
            })
        }
        _ => {
            let (l, r) = (Operand::new(lhs), Operand::new(rhs));
            if op == BinOp::Add {
                return Box::new(move |i, f| {
                    let a = l.eval(i, f)?;
                    let b = r.eval(i, f)?;
                    if let (Value::Int(x), Value::Int(y)) = (&a, &b)
                        && let Some(v) = x.checked_add(*y)
                    {
                        release(a);
                        release(b);
                        return Ok(Value::Int(v));
                    }
                    let r = add_owned(a, &b).map_err(|err| err.at(span, &i.source));
                    release(b);
                    r
                });
            }
            Box::new(move |i, f| {
                let a = l.eval(i, f)?;
                let b = r.eval(i, f)?;
                if let (Value::Int(x), Value::Int(y)) = (&a, &b)
                    && let Some(v) = int_op(op, *x, *y)
                {
                    release(a);
                    release(b);
                    return Ok(v);
                }
                let v = generic_binary(i, op, &a, &b, span);
                release(a);
                release(b);
                v
            })
        }
    }
}

/// A condition evaluated inline by its statement: `var < int` and the like
/// (loop guards, recursion bases) without a dynamic call.
enum Cond<'a> {
    SlotCmpInt(BinOp, usize, i64, Span),
    Dyn(CFn<'a>),
}

impl<'a> Cond<'a> {
    fn new(e: &'a Expr) -> Cond<'a> {
        if let ExprKind::Binary(op, lhs, rhs) = &e.kind
            && int_cmp(*op, 0, 0).is_some()
            && let (ExprKind::Var { slot }, ExprKind::Const(Value::Int(k))) = (&lhs.kind, &rhs.kind)
        {
            return Cond::SlotCmpInt(*op, *slot as usize, *k, e.span);
        }
        Cond::Dyn(cond(e))
    }

    #[inline(always)]
    fn eval(&self, i: &mut Interpreter, f: &mut [Value]) -> RtResult<bool> {
        match self {
            Cond::SlotCmpInt(op, slot, k, span) => {
                if let Value::Int(x) = f[*slot]
                    && let Some(b) = int_cmp(*op, x, *k)
                {
                    return Ok(b);
                }
                let v = generic_binary(i, *op, &f[*slot], &Value::Int(*k), *span)?;
                v.truthy().ok_or_else(|| i.condition_error(&v, *span))
            }
            Cond::Dyn(c) => c(i, f),
        }
    }
}

/// A condition (`if`, `if(…)`): comparisons yield `bool` without a `Value`.
fn cond(e: &Expr) -> CFn<'_> {
    let span = e.span;
    if let ExprKind::Binary(op, lhs, rhs) = &e.kind
        && matches!(
            op,
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne
        )
    {
        let op = *op;
        match (&lhs.kind, &rhs.kind) {
            (ExprKind::Var { slot }, ExprKind::Const(Value::Int(k))) => {
                let (slot, k) = (*slot as usize, *k);
                return Box::new(move |i, f| {
                    if let Value::Int(x) = f[slot]
                        && let Some(b) = int_cmp(op, x, k)
                    {
                        return Ok(b);
                    }
                    let v = generic_binary(i, op, &f[slot], &Value::Int(k), span)?;
                    v.truthy().ok_or_else(|| i.condition_error(&v, span))
                });
            }
            _ => {
                let (l, r) = (expr(lhs), expr(rhs));
                return Box::new(move |i, f| {
                    let a = l(i, f)?;
                    let b = r(i, f)?;
                    if let (Value::Int(x), Value::Int(y)) = (&a, &b)
                        && let Some(b) = int_cmp(op, *x, *y)
                    {
                        return Ok(b);
                    }
                    let v = generic_binary(i, op, &a, &b, span)?;
                    v.truthy().ok_or_else(|| i.condition_error(&v, span))
                });
            }
        }
    }
    let x = expr(e);
    Box::new(move |i, f| {
        let v = x(i, f)?;
        v.truthy().ok_or_else(|| i.condition_error(&v, span))
    })
}

// ----------------------------------------------------------------- calls

/// What a call site is bound to, valid for one `fn_generation`.
#[derive(Clone, Copy)]
enum Binding {
    Unbound,
    /// A user function; the pointee is owned by `Interpreter::compiled`,
    /// whose entries are never removed while the interpreter lives.
    User(u64, *const CompiledFn),
    /// Not a user function of this file: the generic path (builtins, …).
    Other(u64),
}

fn call<'a>(name: &'a Rc<str>, args: &'a [Expr], span: Span) -> XFn<'a> {
    let argv: Vec<Operand<'a>> = args.iter().map(Operand::new).collect();
    let binding = Cell::new(Binding::Unbound);
    Box::new(move |i, f| {
        let target = match binding.get() {
            Binding::User(g, p) if g == i.fn_generation => p,
            Binding::Other(g) if g == i.fn_generation => {
                return generic_call(i, f, name, &argv, span);
            }
            _ => match bind(i, name, argv.len()) {
                Some(p) => {
                    binding.set(Binding::User(i.fn_generation, p));
                    p
                }
                None => {
                    binding.set(Binding::Other(i.fn_generation));
                    return generic_call(i, f, name, &argv, span);
                }
            },
        };
        // SAFETY: see `Binding::User`.
        let target = unsafe { &*target };
        // Frames live on the native stack, sized to the callee (each slot
        // is initialised and dropped on every call) unless it is large.
        match target.slots {
            0 => call_in::<0>(i, f, &argv, target, span),
            1 => call_in::<1>(i, f, &argv, target, span),
            2 => call_in::<2>(i, f, &argv, target, span),
            3 | 4 => call_in::<4>(i, f, &argv, target, span),
            5..=8 => call_in::<8>(i, f, &argv, target, span),
            9..=16 => call_in::<16>(i, f, &argv, target, span),
            _ => {
                let mut frame = Vec::with_capacity(target.slots);
                for a in &argv {
                    frame.push(a.eval(i, f)?);
                }
                frame.resize(target.slots, Value::Null);
                target
                    .invoke(i, &mut frame)
                    .map_err(|err| err.at(span, &i.source))
            }
        }
    })
}

/// Evaluate the arguments into a frame of `N >= slots` values on the stack
/// and run the callee (arity already matches: parameters are the first slots).
#[inline(always)]
fn call_in<const N: usize>(
    i: &mut Interpreter,
    f: &mut [Value],
    argv: &[Operand<'_>],
    target: &CompiledFn,
    span: Span,
) -> RtResult<Value> {
    let mut frame = StackFrame::<N>::new();
    for (slot, a) in frame.0.iter_mut().zip(argv) {
        *slot = a.eval(i, f)?;
    }
    target
        .invoke(i, &mut frame.0[..target.slots])
        .map_err(|err| err.at(span, &i.source))
}

/// A call frame on the native stack. Dropping it skips the out-of-line
/// drop glue for slots that hold no heap value (numbers, booleans, null:
/// nearly all of them in call-heavy code).
struct StackFrame<const N: usize>(ManuallyDrop<[Value; N]>);

impl<const N: usize> StackFrame<N> {
    #[inline(always)]
    fn new() -> Self {
        StackFrame(ManuallyDrop::new([const { Value::Null }; N]))
    }
}

impl<const N: usize> Drop for StackFrame<N> {
    #[inline(always)]
    fn drop(&mut self) {
        for v in self.0.iter() {
            // SAFETY: the array is in a `ManuallyDrop` and never used
            // again, so each value is read out (and dropped) exactly once.
            release(unsafe { std::ptr::read(v) });
        }
    }
}

/// Drop a value, calling the drop glue only when it owns a heap object.
#[inline(always)]
fn release(v: Value) {
    match v {
        Value::Null | Value::Bool(_) | Value::Int(_) | Value::Decimal(_) => std::mem::forget(v),
        v => drop(v),
    }
}

/// Resolve a bare call to a compiled user function with matching arity
/// (a mismatch takes the generic path, which reports it).
fn bind(i: &mut Interpreter, name: &str, argc: usize) -> Option<*const CompiledFn> {
    let (f, src) = i.resolve_user(name).cloned()?;
    if f.params.len() != argc {
        return None;
    }
    Some(Rc::as_ptr(&i.compiled_fn(&f, &src)))
}

#[inline(never)]
fn generic_call(
    i: &mut Interpreter,
    f: &mut [Value],
    name: &str,
    argv: &[Operand<'_>],
    span: Span,
) -> RtResult<Value> {
    let mut args = Vec::with_capacity(argv.len());
    for a in argv {
        args.push(a.eval(i, f)?);
    }
    i.call_named(name, args, span)
        .map_err(|err| err.at(span, &i.source))
}

/// Per-site method cache: the receiver type last seen and its method.
type MethodCache = Cell<Option<(TypeTag, &'static builtins::MethodDef)>>;

#[inline]
fn call_cached(
    i: &mut Interpreter,
    cache: &MethodCache,
    recv: &Value,
    name: &str,
    method: Option<u16>,
    args: &[Value],
    span: Span,
) -> RtResult<Value> {
    let tag = recv.type_tag();
    let def = match cache.get() {
        Some((t, def)) if t == tag => def,
        _ => match method.and_then(|id| builtins::method_for(recv, id)) {
            Some(def) => {
                cache.set(Some((tag, def)));
                def
            }
            // Unknown methods, null receivers: the generic path's errors.
            None => {
                return builtins::call_method(i, recv, name, method, args)
                    .map_err(|err| err.at(span, &i.source));
            }
        },
    };
    builtins::check_arity(name, def.min, def.max, args.len())
        .and_then(|()| (def.f)(i, recv, args))
        .map_err(|err| err.at(span, &i.source))
}

fn method_call<'a>(
    receiver: &'a Expr,
    name: &'a Rc<str>,
    method: Option<u16>,
    args: &'a [Expr],
    span: Span,
) -> XFn<'a> {
    let mut argv: Vec<XFn<'a>> = args.iter().map(expr).collect();
    let cache: MethodCache = Cell::new(None);
    // A variable receiver is read in place, after the arguments: evaluating
    // an argument cannot assign to the caller's variables. One or two
    // arguments (most calls) go in a fixed array.
    if let ExprKind::Var { slot } = receiver.kind {
        let slot = slot as usize;
        return match argv.len() {
            0 => Box::new(move |i, f| call_cached(i, &cache, &f[slot], name, method, &[], span)),
            1 => {
                let a0 = argv.pop().expect("one argument");
                Box::new(move |i, f| {
                    let a = [a0(i, f)?];
                    call_cached(i, &cache, &f[slot], name, method, &a, span)
                })
            }
            2 => {
                let a1 = argv.pop().expect("two arguments");
                let a0 = argv.pop().expect("two arguments");
                Box::new(move |i, f| {
                    let a = [a0(i, f)?, a1(i, f)?];
                    call_cached(i, &cache, &f[slot], name, method, &a, span)
                })
            }
            _ => Box::new(move |i, f| {
                let mut a: SmallVec<[Value; 4]> = SmallVec::new();
                for x in &argv {
                    a.push(x(i, f)?);
                }
                call_cached(i, &cache, &f[slot], name, method, &a, span)
            }),
        };
    }
    let recv = expr(receiver);
    Box::new(move |i, f| {
        let r = recv(i, f)?;
        let mut a: SmallVec<[Value; 4]> = SmallVec::new();
        for x in &argv {
            a.push(x(i, f)?);
        }
        call_cached(i, &cache, &r, name, method, &a, span)
    })
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::io::Write;
    use std::rc::Rc;

    use crate::diag::SourceFile;
    use crate::eval::{Engine, Interpreter, Options, RtResult};
    use crate::syntax::parse_program;

    /// The engine passes values and results around by the word; a larger
    /// `Value` (or a result that loses the tag's niche) slows every node.
    #[test]
    fn value_and_result_are_two_words() {
        use crate::eval::Flow;
        use crate::value::Value;
        assert_eq!(std::mem::size_of::<Value>(), 16);
        assert_eq!(std::mem::size_of::<RtResult<Value>>(), 16);
        assert_eq!(std::mem::size_of::<RtResult<Flow>>(), 16);
    }

    #[derive(Clone, Default)]
    struct Out(Rc<RefCell<Vec<u8>>>);

    impl Write for Out {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn interpreter(engine: Engine, max_statements: u64) -> (Interpreter, Out) {
        let out = Out::default();
        let options = Options {
            engine,
            max_statements,
            ..Options::default()
        };
        (Interpreter::new(options, Box::new(out.clone())), out)
    }

    fn run(engine: Engine, src: &str, max_statements: u64) -> (RtResult<()>, String, u64) {
        let (mut interp, out) = interpreter(engine, max_statements);
        let program = parse_program(src).expect("parses");
        let result = interp.run_script(&program, &SourceFile::new("t.dg", src));
        let text = String::from_utf8(out.0.borrow().clone()).expect("utf-8");
        (result, text, interp.statements_executed())
    }

    /// Call the function `main` of `src` with no arguments.
    fn call_main(interp: &mut Interpreter, src: &str) -> String {
        let program = parse_program(src).expect("parses");
        let source = SourceFile::new("lib.dg", src);
        interp.register_program(&program, &source);
        let main = program
            .functions
            .iter()
            .find(|f| f.name == "main")
            .expect("main")
            .clone();
        interp
            .call_function(&main, &source, Vec::new(), None)
            .expect("runs")
            .to_display()
    }

    #[test]
    fn call_sites_rebind_when_functions_are_registered_again() {
        let (mut interp, _) = interpreter(Engine::Compiled, 1000);
        let v1 = "int f() { return 1; }\nint main() { return f() + 10; }";
        assert_eq!(call_main(&mut interp, v1), "11");
        // A second definition of `f` (the REPL's `:load`) must be seen by the
        // already compiled and bound call site in the first `main`.
        let program = parse_program(v1).expect("parses");
        let first_main = program.functions[1].clone();
        let source = SourceFile::new("a.dg", v1);
        interp.register_program(&program, &source);
        assert_eq!(
            interp
                .call_function(&first_main, &source, Vec::new(), None)
                .expect("runs")
                .to_display(),
            "11"
        );
        let v2 = "int f() { return 2; }";
        interp.register_program(
            &parse_program(v2).expect("parses"),
            &SourceFile::new("b.dg", v2),
        );
        assert_eq!(
            interp
                .call_function(&first_main, &source, Vec::new(), None)
                .expect("runs")
                .to_display(),
            "12"
        );
    }

    #[test]
    fn statement_counts_match_the_walker() {
        let script = "total = 0;\nfor each index i in \"a,b,c,d\".toList(\",\") {\n  if (i % 2 == 0) { continue; }\n  total = total + i;\n  s = \"x\";\n  s = s + i;\n  s += \"y\";\n}\ninfo total;\n";
        let walker = run(Engine::Walker, script, 1_000);
        let compiled = run(Engine::Compiled, script, 1_000);
        assert!(compiled.0.is_ok());
        assert_eq!(walker.1, compiled.1);
        assert_eq!(compiled.1, "4\n");
        assert_eq!(walker.2, compiled.2, "statement counts differ");
        // The limit stops both engines at the same statement.
        for limit in 1..25 {
            let walker = run(Engine::Walker, script, limit);
            let compiled = run(Engine::Compiled, script, limit);
            assert_eq!(walker.1, compiled.1, "output at limit {limit}");
            assert_eq!(walker.2, compiled.2, "count at limit {limit}");
            assert_eq!(
                walker.0.err().map(|e| (e.message.clone(), e.span)),
                compiled.0.err().map(|e| (e.message.clone(), e.span)),
                "error at limit {limit}"
            );
        }
    }

    #[test]
    fn text_temporaries_append_in_place_without_touching_shared_text() {
        let src = "a = \"x\";\nb = a;\nc = a + \"y\" + 1 + \"z\";\nd = \"k\" + c + c;\ninfo a;\ninfo b;\ninfo c;\ninfo d;\n";
        let (result, out, _) = run(Engine::Compiled, src, 1000);
        assert!(result.is_ok());
        assert_eq!(out, "x\nx\nxy1z\nkxy1zxy1z\n");
    }

    #[test]
    fn errors_inside_compiled_code_keep_the_walkers_spans() {
        let src = "x = 1;\ny = \"a\";\nz = x - y;\n";
        let walker = run(Engine::Walker, src, 1000);
        let compiled = run(Engine::Compiled, src, 1000);
        let (w, c) = (walker.0.unwrap_err(), compiled.0.unwrap_err());
        assert_eq!(w.message, c.message);
        assert_eq!(w.span, c.span);
        assert!(w.span.is_some());
    }
}
