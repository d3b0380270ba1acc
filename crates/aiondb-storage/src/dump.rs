//! A canonical text dump of the committed state, for determinism checks.

use crate::store::Store;
use crate::table::{ReadView, Stamp};
use aiondb_core::{TxnId, Value};
use std::fmt::Write;

/// A value as plain text for messages (`1`, `abc`, `NULL`).
pub(crate) fn plain_text(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Bool(b) => if *b { "t" } else { "f" }.into(),
        Value::Int2(x) => x.to_string(),
        Value::Int4(x) => x.to_string(),
        Value::Int8(x) => x.to_string(),
        Value::Float4(x) => x.to_string(),
        Value::Float8(x) => x.to_string(),
        Value::Numeric(x) => x.to_string(),
        Value::Text(s) | Value::Json(s) | Value::Jsonb(s) => s.clone(),
        other => format!("{other:?}"),
    }
}

impl Store {
    /// Every committed row (with the CommitId that wrote it), the catalog
    /// and the sequences, in a canonical order. Two stores with the same
    /// committed state print the same text.
    pub fn dump_state(&self) -> String {
        let mut out = String::new();
        let visible = self.visible_commit();
        let catalog = self.catalog();
        let _ = writeln!(out, "visible {visible}");
        let _ = writeln!(out, "catalog {catalog:?}");
        for (id, s) in self.sequences.lock().iter() {
            let _ = writeln!(out, "sequence {} logged {:?}", id.0, s.logged);
        }
        let view = ReadView {
            snapshot: visible,
            txn: TxnId(0),
            own_upto: None,
        };
        let tables = self.tables.read();
        for id in catalog.tables.keys() {
            let Some(data) = tables.get(id) else {
                let _ = writeln!(out, "table {id} MISSING DATA");
                continue;
            };
            let rows = data.rows.read();
            let _ = writeln!(out, "table {id} next_row_id {}", rows.next_row_id);
            for (key, chain) in &rows.chains {
                if let Some(v) = chain.visible(view)
                    && let (Some(row), Stamp::Committed(c)) = (&v.row, v.stamp)
                {
                    let _ = writeln!(out, "  {key:?} @{c} {row:?}");
                }
            }
            for (iid, index) in &rows.indexes {
                let live = index
                    .entries
                    .iter()
                    .filter(|(ikey, pk)| {
                        rows.chains
                            .get(pk)
                            .and_then(|c| c.visible_row(view))
                            .is_some_and(|r| index.key_of(r) == *ikey)
                    })
                    .count();
                let _ = writeln!(out, "  index {iid} live entries {live}");
            }
        }
        out
    }
}
