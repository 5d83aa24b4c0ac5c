//! The compiled engine. Each function body is lowered once (on its first
//! call) into a tree of closures specialised by node shape: integer fast
//! paths for `var op const`, conditions that yield a `bool` directly, user
//! calls bound to their compiled target (no lookup by name per call) whose
//! frames live on the native stack, in-place text append for temporaries.
//! A function body's guard clauses, plain assignments and final `return`
//! or `if` run in the call's own frame (`Body`), not through closures.
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

/// `if (c) { return e; }`, the guard clause: one step that counts both
/// statements.
struct Guard<'a> {
    cond: Cond<'a>,
    value: Operand<'a>,
    if_span: Span,
    return_span: Span,
}

impl<'a> Guard<'a> {
    fn new(s: &'a Stmt) -> Option<Guard<'a>> {
        if let StmtKind::If {
            branches,
            otherwise: None,
        } = &s.kind
            && let [(c, body)] = branches.as_slice()
            && let [ret] = body.as_slice()
            && let StmtKind::Return(Some(e)) = &ret.kind
        {
            return Some(Guard {
                cond: Cond::new(c),
                value: Operand::new(e),
                if_span: s.span,
                return_span: ret.span,
            });
        }
        None
    }

    /// The returned value when the condition holds.
    #[inline(always)]
    fn run(&self, i: &mut Interpreter, f: &mut [Value]) -> RtResult<Option<Value>> {
        i.tick(self.if_span)?;
        if self.cond.eval(i, f)? {
            i.tick(self.return_span)?;
            return Ok(Some(self.value.eval(i, f)?));
        }
        Ok(None)
    }
}

/// A statement of a function body before its final statement.
enum Step<'a> {
    Guard(Guard<'a>),
    /// `x = e` (not the in-place `s = s + t`).
    Assign(usize, Operand<'a>, Span),
    Stmt(SFn<'a>),
}

impl<'a> Step<'a> {
    fn new(s: &'a Stmt) -> Step<'a> {
        if let Some(g) = Guard::new(s) {
            return Step::Guard(g);
        }
        if let StmtKind::Assign {
            slot,
            op: None,
            value,
        } = &s.kind
            && !is_append_to(*slot, value)
        {
            return Step::Assign(*slot as usize, Operand::new(value), s.span);
        }
        Step::Stmt(stmt(s))
    }
}

/// `s = s + x`, which `stmt` compiles to an in-place append.
fn is_append_to(slot: u32, value: &Expr) -> bool {
    matches!(&value.kind, ExprKind::Binary(BinOp::Add, lhs, _)
        if matches!(lhs.kind, ExprKind::Var { slot: v } if v == slot))
}

/// What a function body's final statement gives.
enum Tail<'a> {
    /// Not a `return` or an `if`: null after running it (a step).
    Null,
    /// `return e`.
    Value(Operand<'a>),
    /// `return l op r` (not `&&`/`||`, which short-circuit).
    Binary(BinOp, Operand<'a>, Operand<'a>, Span),
    /// A final `if`/`else if`/`else`: each branch is a function body of its
    /// own (one that ends without `return` ends the function with null).
    If(Box<[(Cond<'a>, Body<'a>)]>, Option<Box<Body<'a>>>),
}

impl<'a> Tail<'a> {
    /// The tail for a final statement, if it has one.
    fn new(last: &'a Stmt) -> Option<Tail<'a>> {
        match &last.kind {
            StmtKind::Return(Some(e)) => Some(match &e.kind {
                ExprKind::Binary(op, l, r) if !matches!(op, BinOp::And | BinOp::Or) => {
                    Tail::Binary(*op, Operand::new(l), Operand::new(r), e.span)
                }
                _ => Tail::Value(Operand::new(e)),
            }),
            StmtKind::If {
                branches,
                otherwise,
            } => Some(Tail::If(
                branches
                    .iter()
                    .map(|(c, body)| (Cond::new(c), Body::new(body)))
                    .collect(),
                otherwise.as_ref().map(|b| Box::new(Body::new(b))),
            )),
            _ => None,
        }
    }
}

/// A compiled function body. Guard clauses, plain assignments and the
/// final `return` or `if` (most functions have them) run inside the call
/// itself rather than through statement closures: fewer native frames per
/// user call.
struct Body<'a> {
    /// The guard clauses the body starts with (checked without a dispatch
    /// on the step kind).
    guards: Box<[Guard<'a>]>,
    steps: Box<[Step<'a>]>,
    tail: Tail<'a>,
    /// The final statement's span (when it is the tail).
    tail_span: Span,
}

impl<'a> Body<'a> {
    fn new(stmts: &'a [Stmt]) -> Body<'a> {
        let (init, tail, tail_span) = match stmts {
            [init @ .., last] => match Tail::new(last) {
                Some(tail) => (init, tail, last.span),
                None => (stmts, Tail::Null, Span::default()),
            },
            [] => (stmts, Tail::Null, Span::default()),
        };
        let mut guards = Vec::new();
        let mut steps = Vec::new();
        for s in init {
            match Step::new(s) {
                Step::Guard(g) if steps.is_empty() => guards.push(g),
                step => steps.push(step),
            }
        }
        Body {
            guards: guards.into(),
            steps: steps.into(),
            tail,
            tail_span,
        }
    }

    /// The function's result: what a `return` gives, else null (a stray
    /// `break` or `continue` also ends the body, as in the walker).
    #[inline(always)]
    fn run(&self, i: &mut Interpreter, f: &mut [Value]) -> RtResult<Value> {
        for g in self.guards.iter() {
            if let Some(v) = g.run(i, f)? {
                return Ok(v);
            }
        }
        for step in self.steps.iter() {
            match step {
                Step::Guard(g) => {
                    if let Some(v) = g.run(i, f)? {
                        return Ok(v);
                    }
                }
                Step::Assign(slot, x, span) => {
                    i.tick(*span)?;
                    let v = x.eval(i, f)?;
                    store(f, *slot, v);
                }
                Step::Stmt(s) => match s(i, f)? {
                    Flow::Next => {}
                    Flow::Return(v) => return Ok(v),
                    Flow::Break | Flow::Continue => return Ok(Value::Null),
                },
            }
        }
        match &self.tail {
            Tail::Null => Ok(Value::Null),
            Tail::Value(x) => {
                i.tick(self.tail_span)?;
                x.eval(i, f)
            }
            Tail::Binary(op, l, r, span) => {
                i.tick(self.tail_span)?;
                operand_pair(i, f, *op, l, r, *span)
            }
            Tail::If(branches, otherwise) => {
                i.tick(self.tail_span)?;
                for (c, body) in branches.iter() {
                    if c.eval(i, f)? {
                        return body.run_nested(i, f);
                    }
                }
                match otherwise {
                    Some(body) => body.run_nested(i, f),
                    None => Ok(Value::Null),
                }
            }
        }
    }

    /// `run` for a branch of a final `if` (not inlined: bodies nest).
    #[inline(never)]
    fn run_nested(&self, i: &mut Interpreter, f: &mut [Value]) -> RtResult<Value> {
        self.run(i, f)
    }
}

/// A compiled user function.
pub(crate) struct CompiledFn {
    /// Borrows from `function`'s syntax tree; declared first so it is
    /// dropped before the tree.
    body: Body<'static>,
    slots: usize,
    source: SourceFile,
    /// Keeps the syntax tree that `body` borrows alive.
    _function: Rc<Function>,
}

impl CompiledFn {
    fn new(function: &Rc<Function>, source: &SourceFile) -> CompiledFn {
        let body = Body::new(&function.body);
        // SAFETY: `body` borrows nodes of `function`'s syntax tree, which is
        // immutable and heap-allocated behind the `Rc` stored alongside it
        // (and dropped after it), so the borrowed nodes outlive `body`.
        let body: Body<'static> = unsafe { std::mem::transmute::<Body<'_>, Body<'static>>(body) };
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
        self.body.run(interp, frame)
    }

    /// Call with the frame already filled (parameters first). The caller
    /// has checked arity. Inlined into each call site's frame-size variant,
    /// so a user call costs one native frame.
    #[inline(always)]
    pub(crate) fn invoke(&self, interp: &mut Interpreter, frame: &mut [Value]) -> RtResult<Value> {
        if interp.depth >= interp.options.max_depth || Interpreter::stop_requested() {
            return Err(refused_call(interp));
        }
        interp.depth += 1;
        // A function of another file (a helper) reports errors in its own.
        let caller_source = (!SourceFile::ptr_eq(&interp.source, &self.source))
            .then(|| std::mem::replace(&mut interp.source, self.source.clone()));
        let result = self.body.run(interp, frame);
        if let Some(saved) = caller_source {
            interp.source = saved;
        }
        interp.depth -= 1;
        result
    }
}

/// Why a call does not start: Ctrl-C, else the depth limit.
#[cold]
#[inline(never)]
fn refused_call(interp: &mut Interpreter) -> super::RtError {
    if Interpreter::stop_requested() {
        return interp.stop_error();
    }
    super::calls::depth_error(interp)
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
            if let ExprKind::Binary(BinOp::Add, _, rhs) = &value.kind
                && is_append_to(slot as u32, value)
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
                            release(r);
                        }
                        (Value::Text(_), _) => {
                            i.append_in_place(slot, BinOp::Add, r, f)
                                .map_err(|e| e.at(vspan, &i.source))?;
                        }
                        _ => {
                            let v = generic_binary(i, BinOp::Add, &f[slot], &r, vspan)?;
                            store(f, slot, v);
                        }
                    }
                    Ok(Flow::Next)
                });
            }
            let x = expr(value);
            Box::new(move |i, f| {
                i.tick(span)?;
                let v = x(i, f)?;
                store(f, slot, v);
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
            if let Some(g) = Guard::new(s) {
                return Box::new(move |i, f| match g.run(i, f)? {
                    Some(v) => Ok(Flow::Return(v)),
                    None => Ok(Flow::Next),
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
            i.tick_polling(ispan)?;
        }
        store(f, slot, item);
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

/// An operator as a const parameter: `binary` and `cond` are instantiated
/// per operator, so their integer fast paths do not dispatch on it at run
/// time.
const fn op_from_code(code: u8) -> BinOp {
    match code {
        0 => BinOp::Add,
        1 => BinOp::Sub,
        2 => BinOp::Mul,
        3 => BinOp::Div,
        4 => BinOp::Rem,
        5 => BinOp::Eq,
        6 => BinOp::Ne,
        7 => BinOp::Lt,
        8 => BinOp::Le,
        9 => BinOp::Gt,
        10 => BinOp::Ge,
        11 => BinOp::And,
        _ => BinOp::Or,
    }
}

/// Call `$f::<code of $op>($args)`.
macro_rules! with_op_code {
    ($op:expr, $f:ident($($arg:expr),*)) => {
        match $op {
            BinOp::Add => $f::<0>($($arg),*),
            BinOp::Sub => $f::<1>($($arg),*),
            BinOp::Mul => $f::<2>($($arg),*),
            BinOp::Div => $f::<3>($($arg),*),
            BinOp::Rem => $f::<4>($($arg),*),
            BinOp::Eq => $f::<5>($($arg),*),
            BinOp::Ne => $f::<6>($($arg),*),
            BinOp::Lt => $f::<7>($($arg),*),
            BinOp::Le => $f::<8>($($arg),*),
            BinOp::Gt => $f::<9>($($arg),*),
            BinOp::Ge => $f::<10>($($arg),*),
            BinOp::And => $f::<11>($($arg),*),
            BinOp::Or => $f::<12>($($arg),*),
        }
    };
}

fn binary<'a>(op: BinOp, lhs: &'a Expr, rhs: &'a Expr, span: Span) -> XFn<'a> {
    // Constant folding (only when it succeeds: errors stay at run time).
    if let (ExprKind::Const(a), ExprKind::Const(b)) = (&lhs.kind, &rhs.kind)
        && let Ok(v) = binary_op(op, a, b)
    {
        return Box::new(move |_, _| Ok(v.clone()));
    }
    with_op_code!(op, binary_for(lhs, rhs, span))
}

fn binary_for<'a, const OP: u8>(lhs: &'a Expr, rhs: &'a Expr, span: Span) -> XFn<'a> {
    let op = op_from_code(OP);
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
                    release(b);
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
                    release(a);
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
                    release(a);
                    return Ok(v);
                }
                generic_binary(i, op, &a, &Value::Int(k), span)
            })
        }
        _ => {
            let (l, r) = (Operand::new(lhs), Operand::new(rhs));
            Box::new(move |i, f| operand_pair(i, f, op, &l, &r, span))
        }
    }
}

/// `l op r` for two operands: the general binary case (also a function
/// body's final `return l op r`). A text `+` appends in place when `l` is
/// a temporary.
#[inline(always)]
fn operand_pair(
    i: &mut Interpreter,
    f: &mut [Value],
    op: BinOp,
    l: &Operand<'_>,
    r: &Operand<'_>,
    span: Span,
) -> RtResult<Value> {
    let a = l.eval(i, f)?;
    let b = r.eval(i, f)?;
    if let (Value::Int(x), Value::Int(y)) = (&a, &b)
        && let Some(v) = int_op(op, *x, *y)
    {
        release(a);
        release(b);
        return Ok(v);
    }
    if op == BinOp::Add {
        let v = add_owned(a, &b).map_err(|err| err.at(span, &i.source));
        release(b);
        return v;
    }
    let v = generic_binary(i, op, &a, &b, span);
    release(a);
    release(b);
    v
}

/// A condition evaluated inline by its statement: `var < int` and the like
/// (loop guards, recursion bases) without a dynamic call.
enum Cond<'a> {
    SlotCmpInt(SlotCmpInt),
    Dyn(CFn<'a>),
}

/// `var op k` for a comparison `op`, as "the integer is (not) in
/// `lo..=hi`": one unsigned comparison whatever the operator.
struct SlotCmpInt {
    slot: usize,
    lo: i64,
    /// `hi - lo`, as the unsigned width of the range.
    width: u64,
    negate: bool,
    op: BinOp,
    k: i64,
    span: Span,
}

impl SlotCmpInt {
    fn new(op: BinOp, slot: usize, k: i64, span: Span) -> Option<SlotCmpInt> {
        let (lo, hi, negate) = match op {
            BinOp::Lt => (i64::MIN, k.checked_sub(1)?, false),
            BinOp::Le => (i64::MIN, k, false),
            BinOp::Gt => (k.checked_add(1)?, i64::MAX, false),
            BinOp::Ge => (k, i64::MAX, false),
            BinOp::Eq => (k, k, false),
            BinOp::Ne => (k, k, true),
            _ => return None,
        };
        Some(SlotCmpInt {
            slot,
            lo,
            width: hi.wrapping_sub(lo) as u64,
            negate,
            op,
            k,
            span,
        })
    }

    #[inline(always)]
    fn eval(&self, i: &mut Interpreter, f: &mut [Value]) -> RtResult<bool> {
        if let Value::Int(x) = f[self.slot] {
            return Ok((x.wrapping_sub(self.lo) as u64 <= self.width) != self.negate);
        }
        let v = generic_binary(i, self.op, &f[self.slot], &Value::Int(self.k), self.span)?;
        v.truthy().ok_or_else(|| i.condition_error(&v, self.span))
    }
}

impl<'a> Cond<'a> {
    fn new(e: &'a Expr) -> Cond<'a> {
        if let ExprKind::Binary(op, lhs, rhs) = &e.kind
            && let (ExprKind::Var { slot }, ExprKind::Const(Value::Int(k))) = (&lhs.kind, &rhs.kind)
            && let Some(c) = SlotCmpInt::new(*op, *slot as usize, *k, e.span)
        {
            return Cond::SlotCmpInt(c);
        }
        Cond::Dyn(cond(e))
    }

    #[inline(always)]
    fn eval(&self, i: &mut Interpreter, f: &mut [Value]) -> RtResult<bool> {
        match self {
            Cond::SlotCmpInt(c) => c.eval(i, f),
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
        if let (ExprKind::Var { slot }, ExprKind::Const(Value::Int(k))) = (&lhs.kind, &rhs.kind)
            && let Some(c) = SlotCmpInt::new(*op, *slot as usize, *k, span)
        {
            return Box::new(move |i, f| c.eval(i, f));
        }
        return with_op_code!(*op, compare_for(lhs, rhs, span));
    }
    let x = expr(e);
    Box::new(move |i, f| {
        let v = x(i, f)?;
        v.truthy().ok_or_else(|| i.condition_error(&v, span))
    })
}

/// A comparison of two general operands, as a `bool`.
fn compare_for<'a, const OP: u8>(lhs: &'a Expr, rhs: &'a Expr, span: Span) -> CFn<'a> {
    let op = op_from_code(OP);
    let (l, r) = (expr(lhs), expr(rhs));
    Box::new(move |i, f| {
        let a = l(i, f)?;
        let b = r(i, f)?;
        if let (Value::Int(x), Value::Int(y)) = (&a, &b)
            && let Some(truth) = int_cmp(op, *x, *y)
        {
            release(a);
            release(b);
            return Ok(truth);
        }
        let v = generic_binary(i, op, &a, &b, span)?;
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
    for (k, a) in argv.iter().enumerate().take(N) {
        let v = a.eval(i, f)?;
        // SAFETY: `k < N`; the slot holds the `Null` it was made with, which
        // owns nothing, so overwriting it without a drop leaks nothing.
        unsafe { std::ptr::write(frame.0.as_mut_ptr().add(k), v) };
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

/// Put `v` in a slot; the old value's drop glue runs only if it owns a heap
/// object.
#[inline(always)]
fn store(f: &mut [Value], slot: usize, v: Value) {
    release(std::mem::replace(&mut f[slot], v));
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

    /// Run `main` of `src` (a file of functions) with `engine`.
    fn run_main(engine: Engine, src: &str, max_statements: u64) -> (RtResult<String>, String, u64) {
        let (mut interp, out) = interpreter(engine, max_statements);
        let program = parse_program(src).expect("parses");
        let source = SourceFile::new("lib.dg", src);
        interp.register_program(&program, &source);
        let main = program
            .functions
            .iter()
            .find(|f| f.name == "main")
            .expect("main");
        let result = interp
            .call_function(main, &source, Vec::new(), None)
            .map(|v| v.to_display());
        let text = String::from_utf8(out.0.borrow().clone()).expect("utf-8");
        (result, text, interp.statements_executed())
    }

    #[test]
    fn guard_clauses_and_final_returns_match_the_walker() {
        // Guards (`if (c) { return e; }`), plain assignments and a final
        // `return` or `if`/`else` run inside the call; their counts, results
        // and error spans must not change.
        let src = "int fact(int n) {\n  if (n <= 1) { return 1; }\n  if (n == 99) { return 0; }\n  x = n - 1;\n  return n * fact(x);\n}\n\
                   string twice(string s) {\n  if (s == \"\") { return \"empty\"; }\n  t = s + \"-\";\n  return t + s;\n}\n\
                   void noreturn(int n) {\n  info n;\n}\n\
                   int sign(int n) {\n  y = n;\n  if (y == 7) { return 70; }\n  if (n > 0) {\n    return 1;\n  } else if (n < 0) {\n    x = 0 - 1;\n    return x;\n  } else {\n    info \"zero\";\n  }\n}\n\
                   int bad(int n) {\n  if (n > 0) { return n - \"a\"; }\n  return {1} - n;\n}\n\
                   string main() {\n  info fact(6);\n  info twice(\"ab\") + twice(\"\");\n  noreturn(3);\n  info sign(7) + sign(5) + sign(-5);\n  info sign(0);\n  info bad(-1);\n  return \"done\";\n}\n";
        let walker = run_main(Engine::Walker, src, 10_000);
        let compiled = run_main(Engine::Compiled, src, 10_000);
        let (w, c) = (walker.0.unwrap_err(), compiled.0.unwrap_err());
        assert_eq!(walker.1, "720\nab-abempty\n3\n70\nzero\nnull\n");
        assert_eq!(walker.1, compiled.1);
        assert_eq!((&w.message, w.span), (&c.message, c.span));
        assert!(
            c.span.is_some(),
            "the failing `return {{1}} - n` has a span"
        );
        assert_eq!(walker.2, compiled.2, "statement counts differ");
        // A limit stops both engines at the same statement: in a guard's
        // `if`, in its `return`, and in a final `return`.
        for limit in 1..walker.2 {
            let walker = run_main(Engine::Walker, src, limit);
            let compiled = run_main(Engine::Compiled, src, limit);
            assert_eq!(walker.1, compiled.1, "output at limit {limit}");
            assert_eq!(walker.2, compiled.2, "count at limit {limit}");
            assert_eq!(
                walker.0.map_err(|e| (e.message.clone(), e.span)),
                compiled.0.map_err(|e| (e.message.clone(), e.span)),
                "result at limit {limit}"
            );
        }
    }

    #[test]
    fn range_comparisons_agree_with_integer_comparisons() {
        use super::SlotCmpInt;
        use crate::syntax::ast::{BinOp, Span};
        use crate::value::Value;
        let edges = [
            i64::MIN,
            i64::MIN + 1,
            -2,
            -1,
            0,
            1,
            2,
            i64::MAX - 1,
            i64::MAX,
        ];
        let ops = [
            BinOp::Lt,
            BinOp::Le,
            BinOp::Gt,
            BinOp::Ge,
            BinOp::Eq,
            BinOp::Ne,
        ];
        let (mut interp, _) = interpreter(Engine::Compiled, 10);
        let mut checked = 0;
        for op in ops {
            for k in edges {
                // `x < MIN` and `x > MAX` have no range: they take the generic path.
                let Some(c) = SlotCmpInt::new(op, 0, k, Span::default()) else {
                    assert!(matches!(
                        (op, k),
                        (BinOp::Lt, i64::MIN) | (BinOp::Gt, i64::MAX)
                    ));
                    continue;
                };
                for x in edges {
                    let expected = match op {
                        BinOp::Lt => x < k,
                        BinOp::Le => x <= k,
                        BinOp::Gt => x > k,
                        BinOp::Ge => x >= k,
                        BinOp::Eq => x == k,
                        _ => x != k,
                    };
                    let got = c
                        .eval(&mut interp, &mut [Value::Int(x)])
                        .expect("integers compare");
                    assert_eq!(got, expected, "{x} {} {k}", op.symbol());
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, (6 * 9 - 2) * 9);
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
