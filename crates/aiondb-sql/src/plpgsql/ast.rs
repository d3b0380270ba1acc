//! The PL/pgSQL statement tree.
//!
//! SQL parts (expressions, queries, plain statements) stay token runs
//! ([`Fragment`]): they are bound and run by the SQL engine each time they
//! execute, with the variables in scope substituted as typed parameters
//! (see [`super::sql`]). Names are stored folded as PostgreSQL folds them.

use aiondb_core::DataType;
use sqlparser::tokenizer::Token;

/// A run of SQL tokens (no whitespace).
#[derive(Clone, Debug)]
pub struct Fragment {
    pub toks: Vec<Token>,
}

impl Fragment {
    /// The text, for messages.
    pub fn text(&self) -> String {
        self.toks
            .iter()
            .map(Token::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// What a variable holds.
#[derive(Clone, Debug, PartialEq)]
pub enum VarKind {
    Scalar(DataType),
    /// `record`: the row of the last assignment, with its columns.
    Record,
}

#[derive(Clone, Debug)]
pub struct Decl {
    pub name: String,
    pub kind: VarKind,
    pub default: Option<Fragment>,
    pub constant: bool,
    pub not_null: bool,
}

#[derive(Clone, Debug)]
pub struct Block {
    pub label: Option<String>,
    pub decls: Vec<Decl>,
    pub body: Vec<Stmt>,
    /// `EXCEPTION WHEN ... THEN ...`: the body runs under a savepoint.
    pub handlers: Vec<Handler>,
}

/// A condition an EXCEPTION clause catches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    /// OTHERS: every error except query_canceled and assert_failure.
    Others,
    /// A SQLSTATE; one ending in `000` matches its whole class.
    Code(&'static str),
}

#[derive(Clone, Debug)]
pub struct Handler {
    pub conditions: Vec<Condition>,
    pub body: Vec<Stmt>,
}

/// `INTO [STRICT] a, b`.
#[derive(Clone, Debug)]
pub struct Into {
    pub targets: Vec<String>,
    pub strict: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RaiseLevel {
    /// DEBUG and LOG: below client_min_messages' default, not sent.
    Debug,
    Info,
    Notice,
    Warning,
    Exception,
}

#[derive(Clone, Debug)]
pub enum Stmt {
    Block(Block),
    Assign {
        name: String,
        value: Fragment,
    },
    If {
        branches: Vec<(Fragment, Vec<Stmt>)>,
        otherwise: Vec<Stmt>,
    },
    Loop {
        label: Option<String>,
        body: Vec<Stmt>,
    },
    While {
        label: Option<String>,
        cond: Fragment,
        body: Vec<Stmt>,
    },
    ForRange {
        label: Option<String>,
        var: String,
        reverse: bool,
        lo: Fragment,
        hi: Fragment,
        step: Option<Fragment>,
        body: Vec<Stmt>,
    },
    ForQuery {
        label: Option<String>,
        targets: Vec<String>,
        query: Fragment,
        body: Vec<Stmt>,
    },
    Exit {
        label: Option<String>,
        when: Option<Fragment>,
    },
    Continue {
        label: Option<String>,
        when: Option<Fragment>,
    },
    Return(Option<Fragment>),
    Raise {
        level: RaiseLevel,
        /// The message format; None when a condition is raised by name.
        format: Option<String>,
        args: Vec<Fragment>,
        /// `RAISE division_by_zero` / `RAISE SQLSTATE '22012'`.
        condition: Option<&'static str>,
        /// `USING MESSAGE|DETAIL|HINT|ERRCODE = expr, ...`.
        options: Vec<(String, Fragment)>,
    },
    /// `RAISE;` in an exception handler: the error being handled.
    Reraise,
    /// `EXECUTE query-string [INTO ...] [USING args]`.
    Execute {
        query: Fragment,
        into: Option<Into>,
        using: Vec<Fragment>,
    },
    Perform(Fragment),
    /// A plain SQL statement (possibly with `INTO targets`).
    Sql(Fragment),
    Null,
}
