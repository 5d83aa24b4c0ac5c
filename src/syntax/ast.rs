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
    /// `a.b = e;` (Creator record/field update): `target` is `a` (the
    /// value whose field is set), `field` is `b`.
    FieldAssign {
        path: String,
        target: Expr,
        field: Rc<str>,
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
    Creator(Box<CreatorStmt>),
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
    Creator(Box<CreatorExpr>),
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }
}

/// A name as written in the script (form, field), with its span.
#[derive(Clone, Debug)]
pub struct Name {
    pub name: Rc<str>,
    pub span: Span,
}

/// `Form[criteria] sort by F desc range from a to b`.
#[derive(Debug)]
pub struct FormQuery {
    pub form: Name,
    pub criteria: Criteria,
    pub sort: Option<(Name, bool)>,
    pub range: Option<Box<(Expr, Expr)>>,
    pub span: Span,
}

/// Operators of a Creator criterion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CritOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Contains,
    NotContains,
    StartsWith,
    EndsWith,
    IsNull,
    IsNotNull,
}

impl CritOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CritOp::Eq => "==",
            CritOp::Ne => "!=",
            CritOp::Lt => "<",
            CritOp::Le => "<=",
            CritOp::Gt => ">",
            CritOp::Ge => ">=",
            CritOp::In => "in",
            CritOp::NotIn => "not in",
            CritOp::Contains => "contains",
            CritOp::NotContains => "not contains",
            CritOp::StartsWith => "starts_with",
            CritOp::EndsWith => "ends_with",
            CritOp::IsNull => "is null",
            CritOp::IsNotNull => "is not null",
        }
    }
}

/// A Creator criterion, compiled to parameterised SQL when run.
#[derive(Debug)]
pub enum Criteria {
    /// `Form[]`: every record.
    All,
    And(Box<Criteria>, Box<Criteria>),
    Or(Box<Criteria>, Box<Criteria>),
    Not(Box<Criteria>),
    /// `Field op value`; `field` may be `Lookup.Field` (two segments).
    Compare {
        field: Vec<Name>,
        op: CritOp,
        value: Option<Expr>,
        span: Span,
    },
    /// Text the criteria grammar could not read: reported when run.
    Unparsed {
        text: String,
        span: Span,
    },
}

#[derive(Debug)]
pub enum CreatorExpr {
    Query(FormQuery),
    /// `insert into Form [ F = v … ]`: the new record's ID.
    Insert {
        form: Name,
        fields: Vec<(Name, Expr)>,
        /// Set when the body could not be read.
        unparsed: Option<String>,
    },
    /// `Form[…].Field.getAll()` (also `.distinct()` of a field).
    FieldAll {
        query: Box<Expr>,
        field: Name,
        distinct: bool,
    },
    /// `Form[…].sum(Field)`, `.count(Field)`, `.distinct(Field)`, …
    Aggregate {
        query: Box<Expr>,
        func: Rc<str>,
        field: Name,
    },
    /// `template:…` / `view:…` sendmail attachments (Creator rendering).
    Attachment(String),
}

#[derive(Debug)]
pub enum CreatorStmt {
    Delete(FormQuery),
    Alert(Expr),
    /// `cancel submit;`, `cancel delete;`
    Cancel(String),
    /// `hide F;`, `show input.F;`, `disable F;`, `enable F;`, `clear F;`
    FieldAction {
        action: String,
        target: String,
    },
    /// `input.Field:ui.add(list);`
    Ui {
        target: String,
        action: String,
        args: Vec<Expr>,
    },
}

impl CreatorStmt {
    /// Short description (`alert`, `input.City:ui.add`).
    pub fn describe(&self) -> String {
        match self {
            CreatorStmt::Delete(q) => format!("delete from {}", q.form.name),
            CreatorStmt::Alert(_) => "alert".into(),
            CreatorStmt::Cancel(what) => format!("cancel {what}"),
            CreatorStmt::FieldAction { action, target } => format!("{action} {target}"),
            CreatorStmt::Ui { target, action, .. } => format!("{target}:ui.{action}"),
        }
    }
}
