//! Names of user types (domains, enums; base types via crate::user_types) and the [`DataType`]s they
//! stand for.
//!
//! A type name is first a built-in one; otherwise it is looked up among
//! the catalog's user types along the search path (or in the schema it
//! names). The resulting `DataType::Domain` carries the base type and
//! `DataType::Enum` the labels, so values compute without the catalog;
//! a domain's constraints stay in the catalog, checked by
//! [`crate::ddl::domain`].

use aiondb_core::{DataType, DbError, DbResult, DomainType, EnumType, SqlState};
use aiondb_storage::{Catalog, ObjectKind, UserObject};
use sqlparser::ast;

/// The data type a user type object stands for.
pub fn object_type(o: &UserObject) -> Option<DataType> {
    match &o.kind {
        ObjectKind::Domain(d) => Some(DataType::Domain(Box::new(DomainType {
            oid: o.id.0,
            name: o.name.clone(),
            base: d.base.clone(),
        }))),
        ObjectKind::Enum(e) => Some(DataType::Enum(Box::new(EnumType {
            oid: o.id.0,
            name: o.name.clone(),
            labels: e.labels.clone(),
        }))),
        ObjectKind::Operator(_) => None,
    }
}

/// Splits `schema.name` into its parts, folding unquoted ones to lower
/// case as PostgreSQL does.
fn name_parts(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut cur)),
            c if quoted => cur.push(c),
            c => cur.push(c.to_ascii_lowercase()),
        }
    }
    parts.push(cur);
    parts
}

/// The user type object named by `text` (`name` or `schema.name`).
pub fn lookup<'a>(
    catalog: &'a Catalog,
    database: u32,
    search_path: &[String],
    text: &str,
) -> Option<&'a std::sync::Arc<UserObject>> {
    match name_parts(text.trim()).as_slice() {
        [name] => search_path
            .iter()
            .find_map(|s| catalog.user_type(database, s, name)),
        [schema, name] => catalog.user_type(database, schema, name),
        _ => None,
    }
}

/// A type written as text (`int4`, `foodomain`, `mood[]`), built-in or
/// user; 42704 when there is none.
pub fn resolve_text(
    catalog: &Catalog,
    database: u32,
    search_path: &[String],
    text: &str,
) -> DbResult<DataType> {
    let lower = text.to_lowercase();
    if let Some(t) = crate::types::parse_type_name(lower.trim_start_matches("pg_catalog.")) {
        return Ok(t);
    }
    let trimmed = text.trim();
    if let Some(elem) = trimmed.strip_suffix("[]") {
        return resolve_text(catalog, database, search_path, elem)
            .map(|t| DataType::Array(Box::new(t)));
    }
    lookup(catalog, database, search_path, trimmed)
        .and_then(|o| object_type(o))
        .ok_or_else(|| {
            DbError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("type \"{}\" does not exist", lower.trim()),
            )
        })
}

/// sqlparser's type: built-in, a user base type (crate::user_types), a
/// domain or an enum.
pub fn resolve(
    catalog: &Catalog,
    database: u32,
    search_path: &[String],
    t: &ast::DataType,
) -> DbResult<DataType> {
    crate::user_types::resolve_type(catalog, database, search_path, t, false)
}

impl crate::bind::Binder<'_> {
    /// A type named in the statement being bound.
    pub(crate) fn data_type(&self, t: &ast::DataType) -> DbResult<DataType> {
        resolve(&self.catalog, self.database, self.search_path, t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_unless_quoted() {
        assert_eq!(name_parts("Public.\"Foo\""), vec!["public", "Foo"]);
        assert_eq!(name_parts("mood"), vec!["mood"]);
    }
}
