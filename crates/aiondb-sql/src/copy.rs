//! COPY FROM STDIN and COPY TO STDOUT in text, CSV and binary formats.

use crate::output::{CopyFormat, SqlContext, StatementOutput};
use crate::parse::{ident, object_name};
use crate::types::{self, FormatOptions};
use aiondb_core::{DataType, DbError, DbResult, Row, SqlState, Value};
use aiondb_storage::TableSchema;
use sqlparser::ast;
use std::sync::Arc;

/// A COPY FROM STDIN waiting for its data.
#[derive(Clone, Debug)]
pub struct CopyIn {
    table: Arc<TableSchema>,
    /// Table column positions the data's fields go to.
    columns: Vec<usize>,
    options: CopyOptions,
}

impl CopyIn {
    pub fn format(&self) -> CopyFormat {
        self.options.format
    }

    pub fn columns(&self) -> usize {
        self.columns.len()
    }
}

#[derive(Clone, Debug)]
struct CopyOptions {
    format: CopyFormat,
    delimiter: char,
    null: String,
    header: bool,
    quote: char,
}

fn options(opts: &[ast::CopyOption], legacy: &[ast::CopyLegacyOption]) -> DbResult<CopyOptions> {
    let mut o = CopyOptions {
        format: CopyFormat::Text,
        delimiter: '\t',
        null: "\\N".into(),
        header: false,
        quote: '"',
    };
    let mut delimiter = None;
    let mut null = None;
    for opt in opts {
        match opt {
            ast::CopyOption::Format(f) => {
                o.format = match f.value.to_lowercase().as_str() {
                    "text" => CopyFormat::Text,
                    "csv" => CopyFormat::Csv,
                    "binary" => CopyFormat::Binary,
                    other => {
                        return Err(DbError::new(
                            SqlState::INVALID_PARAMETER_VALUE,
                            format!("COPY format \"{other}\" not recognized"),
                        ));
                    }
                }
            }
            ast::CopyOption::Freeze(_) => {}
            ast::CopyOption::Delimiter(c) => delimiter = Some(*c),
            ast::CopyOption::Null(s) => null = Some(s.clone()),
            ast::CopyOption::Header(h) => o.header = *h,
            ast::CopyOption::Quote(q) => o.quote = *q,
            other => return Err(DbError::not_supported(format!("COPY option {other}"))),
        }
    }
    for l in legacy {
        match l {
            ast::CopyLegacyOption::Binary => o.format = CopyFormat::Binary,
            ast::CopyLegacyOption::Csv(_) => o.format = CopyFormat::Csv,
            ast::CopyLegacyOption::Delimiter(c) => delimiter = Some(*c),
            ast::CopyLegacyOption::Null(s) => null = Some(s.clone()),
            other => return Err(DbError::not_supported(format!("COPY option {other}"))),
        }
    }
    if o.format == CopyFormat::Csv {
        o.delimiter = ',';
        o.null = String::new();
    }
    if let Some(d) = delimiter {
        o.delimiter = d;
    }
    if let Some(n) = null {
        o.null = n;
    }
    Ok(o)
}

fn target(
    ctx: &SqlContext<'_>,
    name: &ast::ObjectName,
    columns: &[ast::Ident],
) -> DbResult<(Arc<TableSchema>, Vec<usize>)> {
    let (schema, rel) = object_name(name);
    let cat = ctx.txn.catalog();
    let table = match &schema {
        Some(s) => cat.table_by_name(ctx.database, s, &rel),
        None => ctx
            .search_path
            .iter()
            .find_map(|s| cat.table_by_name(ctx.database, s, &rel)),
    }
    .cloned()
    .ok_or_else(|| crate::bind::undefined_table(schema.as_deref(), &rel))?;
    let cols = if columns.is_empty() {
        (0..table.columns.len()).collect()
    } else {
        columns
            .iter()
            .map(|c| {
                let n = ident(c);
                table
                    .columns
                    .iter()
                    .position(|x| x.name == n)
                    .ok_or_else(|| {
                        DbError::new(
                            SqlState::UNDEFINED_COLUMN,
                            format!(
                                "column \"{n}\" of relation \"{}\" does not exist",
                                table.name
                            ),
                        )
                    })
            })
            .collect::<DbResult<_>>()?
    };
    Ok((table, cols))
}

/// Recognizes COPY ... FROM STDIN.
pub fn start_copy_in(ctx: &mut SqlContext<'_>, stmt: &ast::Statement) -> DbResult<Option<CopyIn>> {
    let ast::Statement::Copy {
        source,
        to: false,
        target: t,
        options: opts,
        legacy_options,
        ..
    } = stmt
    else {
        return Ok(None);
    };
    if matches!(t, ast::CopyTarget::File { .. }) {
        // COPY FROM 'file' runs as one statement (copy_from_file).
        return Ok(None);
    }
    if !matches!(t, ast::CopyTarget::Stdin) {
        return Err(DbError::not_supported("COPY FROM PROGRAM"));
    }
    let ast::CopySource::Table {
        table_name,
        columns,
    } = source
    else {
        return Err(DbError::new(
            SqlState::SYNTAX_ERROR,
            "COPY FROM needs a table",
        ));
    };
    let (table, columns) = target(ctx, table_name, columns)?;
    Ok(Some(CopyIn {
        table,
        columns,
        options: options(opts, legacy_options)?,
    }))
}

/// COPY table FROM 'server file': superuser only, like PostgreSQL (which
/// also admits pg_read_server_files members; AionDB has no such role).
pub fn copy_from_file(
    ctx: &mut SqlContext<'_>,
    source: &ast::CopySource,
    filename: &str,
    opts: &[ast::CopyOption],
    legacy: &[ast::CopyLegacyOption],
) -> DbResult<StatementOutput> {
    let user = ctx.env.user().to_string();
    let superuser = ctx
        .env
        .roles()
        .iter()
        .any(|r| r.name == user && r.superuser);
    if !superuser {
        return Err(DbError::new(
            SqlState::INSUFFICIENT_PRIVILEGE,
            "must be superuser or have privileges of the pg_read_server_files role to COPY from a file",
        )
        .with_hint(
            "Anyone can COPY to stdout or from stdin. psql's \\copy command also works for anyone.",
        ));
    }
    let ast::CopySource::Table {
        table_name,
        columns,
    } = source
    else {
        return Err(DbError::new(
            SqlState::SYNTAX_ERROR,
            "COPY FROM needs a table",
        ));
    };
    let (table, columns) = target(ctx, table_name, columns)?;
    let copy = CopyIn {
        table,
        columns,
        options: options(opts, legacy)?,
    };
    let data = read_server_file(filename)?;
    let n = finish_copy_in(ctx, &copy, &data)?;
    Ok(StatementOutput::Command {
        tag: format!("COPY {n}"),
    })
}

/// Reads a COPY source file with PostgreSQL's errors for what goes wrong.
fn read_server_file(filename: &str) -> DbResult<Vec<u8>> {
    if std::fs::metadata(filename).is_ok_and(|m| m.is_dir()) {
        return Err(DbError::new(
            SqlState::from_static("42809"),
            format!("\"{filename}\" is a directory"),
        ));
    }
    std::fs::read(filename).map_err(|e| {
        let (state, reason) = match e.kind() {
            std::io::ErrorKind::NotFound => ("58P01", "No such file or directory".to_string()),
            std::io::ErrorKind::PermissionDenied => ("42501", "Permission denied".to_string()),
            _ => ("58030", e.to_string()),
        };
        DbError::new(
            SqlState::from_static(state),
            format!("could not open file \"{filename}\" for reading: {reason}"),
        )
    })
}

fn unescape_text(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('v') => out.push('\u{b}'),
            Some(d @ '0'..='7') => {
                let mut v = d.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|c| c.to_digit(8)) {
                        Some(x) => {
                            v = v * 8 + x;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(v).unwrap_or('?'));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

fn csv_fields(line: &str, o: &CopyOptions) -> Vec<Option<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == o.quote {
                if chars.peek() == Some(&o.quote) {
                    cur.push(c);
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == o.quote {
            quoted = true;
            was_quoted = true;
        } else if c == o.delimiter {
            out.push(if !was_quoted && cur == o.null {
                None
            } else {
                Some(std::mem::take(&mut cur))
            });
            cur.clear();
            was_quoted = false;
        } else {
            cur.push(c);
        }
    }
    out.push(if !was_quoted && cur == o.null {
        None
    } else {
        Some(cur)
    });
    out
}

/// Loads COPY data; returns the number of rows.
pub fn finish_copy_in(ctx: &mut SqlContext<'_>, copy: &CopyIn, data: &[u8]) -> DbResult<u64> {
    let opts = FormatOptions::default();
    let table = &copy.table;
    let mut rows: Vec<Row> = Vec::new();
    let build = |fields: Vec<Option<Value>>| -> DbResult<Row> {
        let mut row = vec![Value::Null; table.columns.len()];
        for (v, &c) in fields.into_iter().zip(&copy.columns) {
            row[c] = v.unwrap_or(Value::Null);
        }
        Ok(row)
    };
    match copy.options.format {
        CopyFormat::Binary => {
            let mut r = BinaryReader { data, pos: 0 };
            let sig = r.take(11)?;
            if sig != b"PGCOPY\n\xff\r\n\0" {
                return Err(DbError::new(
                    SqlState::from_static("22P04"),
                    "COPY file signature not recognized",
                ));
            }
            r.take(4)?;
            let ext = r.i32()?;
            r.take(ext.max(0) as usize)?;
            loop {
                let n = r.i16()?;
                if n == -1 {
                    break;
                }
                if n as usize != copy.columns.len() {
                    return Err(DbError::new(
                        SqlState::from_static("22P04"),
                        format!("row field count is {n}, expected {}", copy.columns.len()),
                    ));
                }
                let mut fields = Vec::new();
                for &c in &copy.columns {
                    let len = r.i32()?;
                    fields.push(if len < 0 {
                        None
                    } else {
                        Some(types::decode_binary(
                            r.take(len as usize)?,
                            &table.columns[c].data_type,
                        )?)
                    });
                }
                rows.push(build(fields)?);
            }
        }
        format => {
            let text = std::str::from_utf8(data).map_err(|_| {
                DbError::new(
                    SqlState::CHARACTER_NOT_IN_REPERTOIRE,
                    "invalid byte sequence for encoding \"UTF8\"",
                )
            })?;
            for (n, line) in text.split('\n').enumerate() {
                let line = line.strip_suffix('\r').unwrap_or(line);
                if line.is_empty() || (n == 0 && copy.options.header) {
                    continue;
                }
                if line == "\\." {
                    break;
                }
                let raw: Vec<Option<String>> = match format {
                    CopyFormat::Csv => csv_fields(line, &copy.options),
                    _ => line
                        .split(copy.options.delimiter)
                        .map(|f| {
                            if f == copy.options.null {
                                None
                            } else {
                                Some(unescape_text(f))
                            }
                        })
                        .collect(),
                };
                if raw.len() != copy.columns.len() {
                    return Err(DbError::new(
                        SqlState::from_static("22P04"),
                        if raw.len() < copy.columns.len() {
                            "missing data for column".to_string()
                        } else {
                            "extra data after last expected column".to_string()
                        },
                    )
                    .with_detail(format!(
                        "COPY {}, line {}: \"{line}\"",
                        table.name,
                        n + 1
                    )));
                }
                let mut fields = Vec::new();
                for (f, &c) in raw.into_iter().zip(&copy.columns) {
                    fields.push(match f {
                        None => None,
                        Some(s) => Some(
                            types::parse_text(&s, &table.columns[c].data_type, &opts).map_err(
                                |e| {
                                    let d = format!(
                                        "COPY {}, line {}, column {}: \"{s}\"",
                                        table.name,
                                        n + 1,
                                        table.columns[c].name
                                    );
                                    e.with_detail(d)
                                },
                            )?,
                        ),
                    });
                }
                rows.push(build(fields)?);
            }
        }
    }
    let n = rows.len() as u64;
    let mut fk = crate::foreign_key::Pending::new(&ctx.txn.catalog(), table)?;
    for (i, row) in rows.into_iter().enumerate() {
        if i % 4096 == 0 {
            ctx.check_interrupt()?;
        }
        for (c, v) in table.columns.iter().zip(&row) {
            if !c.nullable && v.is_null() {
                return Err(DbError::new(
                    SqlState::NOT_NULL_VIOLATION,
                    format!(
                        "null value in column \"{}\" of relation \"{}\" violates not-null constraint",
                        c.name, table.name
                    ),
                ));
            }
        }
        fk.inserted(&row);
        ctx.txn.insert(table.id, row)?;
    }
    fk.finish(&mut crate::statement::executor(ctx, &[]))?;
    Ok(n)
}

struct BinaryReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> BinaryReader<'a> {
    fn take(&mut self, n: usize) -> DbResult<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| {
                DbError::new(
                    SqlState::from_static("22P04"),
                    "unexpected EOF in COPY data",
                )
            })?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn i16(&mut self) -> DbResult<i16> {
        let b = self.take(2)?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    }

    fn i32(&mut self) -> DbResult<i32> {
        let b = self.take(4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

fn escape_text(s: &str, delimiter: char) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == delimiter => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Encodes rows for COPY TO STDOUT.
pub fn copy_out(
    rows: Vec<Row>,
    types_: &[DataType],
    opts: &[ast::CopyOption],
    legacy: &[ast::CopyLegacyOption],
    format: &FormatOptions,
) -> DbResult<StatementOutput> {
    let o = options(opts, legacy)?;
    let mut data = Vec::with_capacity(rows.len() + 2);
    let n = rows.len();
    match o.format {
        CopyFormat::Binary => {
            let mut head = b"PGCOPY\n\xff\r\n\0".to_vec();
            head.extend_from_slice(&0i32.to_be_bytes());
            head.extend_from_slice(&0i32.to_be_bytes());
            data.push(head);
            for r in rows {
                let mut buf = (r.len() as i16).to_be_bytes().to_vec();
                for (v, t) in r.iter().zip(types_) {
                    if v.is_null() {
                        buf.extend_from_slice(&(-1i32).to_be_bytes());
                    } else {
                        let b = types::encode_binary(v, t)?;
                        buf.extend_from_slice(&(b.len() as i32).to_be_bytes());
                        buf.extend_from_slice(&b);
                    }
                }
                data.push(buf);
            }
            data.push((-1i16).to_be_bytes().to_vec());
        }
        fmt => {
            for r in rows {
                let mut fields = Vec::with_capacity(r.len());
                for (v, t) in r.iter().zip(types_) {
                    fields.push(if v.is_null() {
                        o.null.clone()
                    } else {
                        let s = types::format_text(v, t, format)?;
                        match fmt {
                            CopyFormat::Csv
                                if s.contains([o.delimiter, o.quote, '\n', '\r'])
                                    || s.is_empty() =>
                            {
                                format!(
                                    "{q}{}{q}",
                                    s.replace(o.quote, &format!("{q}{q}", q = o.quote)),
                                    q = o.quote
                                )
                            }
                            CopyFormat::Csv => s,
                            _ => escape_text(&s, o.delimiter),
                        }
                    });
                }
                let mut line = fields.join(&o.delimiter.to_string());
                line.push('\n');
                data.push(line.into_bytes());
            }
        }
    }
    Ok(StatementOutput::CopyOut {
        format: o.format,
        columns: types_.len(),
        data,
        tag: format!("COPY {n}"),
    })
}
