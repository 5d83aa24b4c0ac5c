//! The typed syntax tree. Independent of pest: only `syntax::lower` builds it.
//! Variables are resolved to frame slots while lowering (Deluge has no block
//! scope, so each function has one flat frame).

use std::rc::Rc;

use crate::value::Value;

/// Byte offsets into the source.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

pub type Slot = u32;

#[derive(Debug)]
pub struct Program {
    /// Functions defined in the file, in order. A bare script is one
    /// function named `<script>` with no parameters.
    pub functions: Vec<Rc<Function>>,
    pub is_script: bool,
}

#[derive(Debug)]
pub struct Function {
    /// As written: `standalone.fetch` or `fetch`.
    pub qualified_name: String,
    /// Last segment, used for lookups (`fetch`).
    pub name: String,
    pub return_type: String,
    pub params: Vec<Param>,
    pub body: Vec<Stmt>,
    /// Name of every slot, for `:vars` and error messages.
    pub slot_names: Vec<Rc<str>>,
    pub span: Span,
}

#[derive(Debug)]
pub struct Param {
    pub type_name: String,
    pub name: Rc<str>,
    pub slot: Slot,
    pub span: Span,
}

#[derive(Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "&&",
            BinOp::Or => "||",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Not,
    Neg,
    Plus,
}

#[derive(Debug)]
pub enum StmtKind {
    /// `x = e;` or `x op= e;`
    Assign {
        slot: Slot,
        op: Option<BinOp>,
        value: Expr,
    },
    /// `a.b = e;` (Creator record/field update).
    FieldAssign {
        path: String,
        value: Expr,
    },
    Expr(Expr),
    Info(Expr),
    If {
        branches: Vec<(Expr, Vec<Stmt>)>,
        otherwise: Option<Vec<Stmt>>,
    },
    ForEach {
        slot: Slot,
        iterable: Expr,
        body: Vec<Stmt>,
        index: bool,
    },
    Break,
    Continue,
    Return(Option<Expr>),
    Try {
        body: Vec<Stmt>,
        slot: Slot,
        handler: Vec<Stmt>,
    },
    /// Creator-only statement (`alert`, `cancel submit`, `delete from`, …).
    Creator(String),
}

#[derive(Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SysVar {
    CurrentDate,
    CurrentTime,
    LoginUser,
    LoginUserId,
    AdminUser,
    AdminUserId,
    AppName,
    AppUri,
    IpAddress,
}

impl SysVar {
    pub fn from_name(name: &str) -> Option<SysVar> {
        Some(match name.to_ascii_lowercase().as_str() {
            "currentdate" | "today" => SysVar::CurrentDate,
            "currenttime" | "now" => SysVar::CurrentTime,
            "loginuser" => SysVar::LoginUser,
            "loginuserid" => SysVar::LoginUserId,
            "adminuser" => SysVar::AdminUser,
            "adminuserid" => SysVar::AdminUserId,
            "appname" => SysVar::AppName,
            "appuri" => SysVar::AppUri,
            "ipaddress" => SysVar::IpAddress,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskKind {
    InvokeUrl,
    SendMail,
    InvokeApi,
}

#[derive(Debug)]
pub struct TaskEntry {
    /// Lower-case, spaces normalised to `-` (`content type` → `content-type`).
    pub key: String,
    pub key_span: Span,
    pub values: Vec<Expr>,
}

#[derive(Debug)]
pub struct Task {
    pub kind: TaskKind,
    pub entries: Vec<TaskEntry>,
}

#[derive(Debug)]
pub enum ExprKind {
    Const(Value),
    Var {
        slot: Slot,
    },
    /// A name never assigned in this function: reading it is an error.
    Undefined(Rc<str>),
    Sys(SysVar),
    List(Vec<Expr>),
    Map(Vec<(Expr, Expr)>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `if(cond, a, b)`
    IfExpr(Box<[Expr; 3]>),
    /// `name(args)`: a builtin or a user function in this file.
    Call {
        name: Rc<str>,
        args: Vec<Expr>,
    },
    /// `standalone.fn(args)`, `zoho.crm.getRecordById(args)`, `thisapp.fn(args)`.
    QualifiedCall {
        path: Rc<str>,
        args: Vec<Expr>,
    },
    Method {
        receiver: Box<Expr>,
        name: Rc<str>,
        /// Index into the builtin method-name table, resolved while lowering.
        method: Option<u16>,
        args: Vec<Expr>,
    },
    /// `e.message`, `input.Field`, `rec.Field`.
    Field {
        receiver: Box<Expr>,
        name: Rc<str>,
    },
    Task(Box<Task>),
    /// Creator record access: `Form[criteria]`, `insert into Form[…]`.
    Creator(String),
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }
}
