//! Catalog scope: which databases exist, and the per-database handle.
//!
//! [`ClusterCatalog`] is the source of truth for the set of databases.
//! Ids are assigned by the catalog from a high-water mark that never goes
//! down (a dropped database's id is never reused), and replay re-establishes
//! them deterministically through [`ClusterCatalog::install_database`], which
//! takes the id from the logged descriptor and raises the high-water mark past
//! it.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

use parking_lot::RwLock;

use crate::descriptor::{
    CreateDatabaseRequest, DEFAULT_ENCODING, DEFAULT_LOCALE, DatabaseDescriptor,
};
use crate::error::{ClusterError, ClusterResult};
use crate::id::{DatabaseId, TablespaceId};

/// Name of the bootstrap database.
pub const DEFAULT_DATABASE_NAME: &str = "postgres";
/// Name of the default template database (id 2 after bootstrap).
pub const TEMPLATE1_NAME: &str = "template1";
/// Name of the pristine template database (id 3 after bootstrap).
pub const TEMPLATE0_NAME: &str = "template0";

/// Marker for a catalog scoped to one database.
pub trait DatabaseCatalog: Any + Send + Sync {}

/// Marker for storage scoped to one database.
pub trait DatabaseStorage: Any + Send + Sync {}

/// What the engine holds per active database.
#[derive(Clone)]
pub struct DatabaseHandle {
    descriptor: DatabaseDescriptor,
    catalog: Arc<dyn DatabaseCatalog>,
    storage: Arc<dyn DatabaseStorage>,
}

impl DatabaseHandle {
    /// Bundles a descriptor with its catalog and storage.
    pub fn new(
        descriptor: DatabaseDescriptor,
        catalog: Arc<dyn DatabaseCatalog>,
        storage: Arc<dyn DatabaseStorage>,
    ) -> Self {
        Self {
            descriptor,
            catalog,
            storage,
        }
    }

    /// The database's id.
    pub fn id(&self) -> DatabaseId {
        self.descriptor.id
    }

    /// The descriptor the handle was opened with.
    pub fn descriptor(&self) -> &DatabaseDescriptor {
        &self.descriptor
    }

    /// The database-scoped catalog.
    pub fn catalog(&self) -> &Arc<dyn DatabaseCatalog> {
        &self.catalog
    }

    /// The database-scoped storage.
    pub fn storage(&self) -> &Arc<dyn DatabaseStorage> {
        &self.storage
    }

    /// Splits the handle into its three parts.
    pub fn into_parts(
        self,
    ) -> (
        DatabaseDescriptor,
        Arc<dyn DatabaseCatalog>,
        Arc<dyn DatabaseStorage>,
    ) {
        (self.descriptor, self.catalog, self.storage)
    }
}

impl std::fmt::Debug for DatabaseHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseHandle")
            .field("descriptor", &self.descriptor)
            .finish_non_exhaustive()
    }
}

/// One `ALTER DATABASE` change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseAlteration {
    /// `RENAME TO name`.
    RenameTo(String),
    /// `OWNER TO role`.
    OwnerTo(String),
    /// `CONNECTION LIMIT n` (n >= -1).
    ConnectionLimit(i32),
    /// `ALLOW_CONNECTIONS b`.
    AllowConnections(bool),
    /// `IS_TEMPLATE b`.
    IsTemplate(bool),
}

/// Source of truth for which databases exist.
pub trait ClusterCatalog: Send + Sync {
    /// `CREATE DATABASE`: validates, assigns a fresh id, inherits unset
    /// options from the template, and returns the stored descriptor.
    fn create_database(&self, request: CreateDatabaseRequest) -> ClusterResult<DatabaseDescriptor>;

    /// `DROP DATABASE`: removes and returns the descriptor.
    fn drop_database(&self, name: &str) -> ClusterResult<DatabaseDescriptor>;

    /// Looks a database up by name.
    fn get_database(&self, name: &str) -> ClusterResult<DatabaseDescriptor>;

    /// Looks a database up by id.
    fn get_database_by_id(&self, id: DatabaseId) -> ClusterResult<DatabaseDescriptor>;

    /// Every database, ordered by id.
    fn list_databases(&self) -> ClusterResult<Vec<DatabaseDescriptor>>;

    /// `ALTER DATABASE name ...`: applies one change, returns the new descriptor.
    fn alter_database(
        &self,
        name: &str,
        change: DatabaseAlteration,
    ) -> ClusterResult<DatabaseDescriptor>;

    /// Restores a descriptor with its own id (WAL replay, checkpoint load).
    /// Replaces an existing descriptor with the same id (replayed ALTER);
    /// fails if the name belongs to a different id. Raises the id
    /// high-water mark past `descriptor.id`.
    fn install_database(&self, descriptor: DatabaseDescriptor) -> ClusterResult<()>;

    /// The id the next `create_database` will assign (persist it in checkpoints).
    fn next_database_id(&self) -> ClusterResult<DatabaseId>;

    /// Raises the id high-water mark to at least `id` (checkpoint load).
    fn advance_next_database_id(&self, id: DatabaseId) -> ClusterResult<()>;

    /// `ALTER DATABASE old RENAME TO new`.
    fn rename_database(&self, old: &str, new: &str) -> ClusterResult<DatabaseDescriptor> {
        self.alter_database(old, DatabaseAlteration::RenameTo(new.to_owned()))
    }

    /// `ALTER DATABASE name OWNER TO owner`.
    fn alter_database_owner(&self, name: &str, owner: &str) -> ClusterResult<DatabaseDescriptor> {
        self.alter_database(name, DatabaseAlteration::OwnerTo(owner.to_owned()))
    }

    /// `ALTER DATABASE name CONNECTION LIMIT limit`.
    fn set_connection_limit(&self, name: &str, limit: i32) -> ClusterResult<DatabaseDescriptor> {
        self.alter_database(name, DatabaseAlteration::ConnectionLimit(limit))
    }

    /// `ALTER DATABASE name ALLOW_CONNECTIONS allow`.
    fn set_allow_connections(&self, name: &str, allow: bool) -> ClusterResult<DatabaseDescriptor> {
        self.alter_database(name, DatabaseAlteration::AllowConnections(allow))
    }

    /// `ALTER DATABASE name IS_TEMPLATE is_template`.
    fn set_is_template(&self, name: &str, is_template: bool) -> ClusterResult<DatabaseDescriptor> {
        self.alter_database(name, DatabaseAlteration::IsTemplate(is_template))
    }
}

#[derive(Debug)]
struct CatalogState {
    by_id: BTreeMap<DatabaseId, DatabaseDescriptor>,
    by_name: BTreeMap<String, DatabaseId>,
    next_id: u32,
}

impl CatalogState {
    fn lookup(&self, name: &str) -> ClusterResult<&DatabaseDescriptor> {
        self.by_name
            .get(name)
            .and_then(|id| self.by_id.get(id))
            .ok_or_else(|| ClusterError::DatabaseNotFound {
                name: name.to_owned(),
            })
    }

    fn insert(&mut self, descriptor: DatabaseDescriptor) {
        self.next_id = self.next_id.max(descriptor.id.get().saturating_add(1));
        self.by_name.insert(descriptor.name.clone(), descriptor.id);
        self.by_id.insert(descriptor.id, descriptor);
    }
}

/// Thread-safe in-memory [`ClusterCatalog`].
///
/// [`InMemoryClusterCatalog::bootstrap_default`] creates, like initdb,
/// `postgres` (id 1, [`DatabaseId::DEFAULT`]), `template1` (id 2, template)
/// and `template0` (id 3, template, no connections). User databases get ids
/// from [`DatabaseId::FIRST_USER`] (16384) upward.
#[derive(Debug)]
pub struct InMemoryClusterCatalog {
    state: RwLock<CatalogState>,
}

impl Default for InMemoryClusterCatalog {
    fn default() -> Self {
        Self::new()
    }
}

fn validate_name(name: &str) -> ClusterResult<()> {
    if name.is_empty() || name.contains('\0') {
        return Err(ClusterError::InvalidDatabaseName {
            name: name.to_owned(),
        });
    }
    Ok(())
}

fn validate_connection_limit(limit: i32) -> ClusterResult<()> {
    if limit < -1 {
        return Err(ClusterError::InvalidConnectionLimit { limit });
    }
    Ok(())
}

impl InMemoryClusterCatalog {
    /// An empty catalog.
    pub fn new() -> Self {
        Self {
            state: RwLock::new(CatalogState {
                by_id: BTreeMap::new(),
                by_name: BTreeMap::new(),
                next_id: DatabaseId::FIRST_USER.get(),
            }),
        }
    }

    /// Creates `postgres`, `template1` and `template0` owned by `owner` and
    /// returns the `postgres` descriptor. Idempotent: databases that already
    /// exist (by id) are left as they are.
    pub fn bootstrap_default(&self, owner: &str) -> ClusterResult<DatabaseDescriptor> {
        let base = |id: u32, name: &str, is_template: bool, allow: bool| DatabaseDescriptor {
            id: DatabaseId::new(id),
            name: name.to_owned(),
            owner: owner.to_owned(),
            encoding: DEFAULT_ENCODING.to_owned(),
            collate: DEFAULT_LOCALE.to_owned(),
            ctype: DEFAULT_LOCALE.to_owned(),
            tablespace_id: TablespaceId::PG_DEFAULT,
            connection_limit: -1,
            is_template,
            allow_connections: allow,
            template: None,
        };
        let defaults = [
            base(
                DatabaseId::DEFAULT.get(),
                DEFAULT_DATABASE_NAME,
                false,
                true,
            ),
            base(2, TEMPLATE1_NAME, true, true),
            base(3, TEMPLATE0_NAME, true, false),
        ];
        for descriptor in defaults {
            let exists = self.state.read().by_id.contains_key(&descriptor.id);
            if !exists {
                self.install_database(descriptor)?;
            }
        }
        self.get_database_by_id(DatabaseId::DEFAULT)
    }
}

/// Inherent shortcuts for the most used [`ClusterCatalog`] methods, so
/// callers holding the concrete type need not import the trait.
impl InMemoryClusterCatalog {
    /// See [`ClusterCatalog::create_database`].
    pub fn create_database(
        &self,
        request: CreateDatabaseRequest,
    ) -> ClusterResult<DatabaseDescriptor> {
        <Self as ClusterCatalog>::create_database(self, request)
    }

    /// See [`ClusterCatalog::drop_database`].
    pub fn drop_database(&self, name: &str) -> ClusterResult<DatabaseDescriptor> {
        <Self as ClusterCatalog>::drop_database(self, name)
    }

    /// See [`ClusterCatalog::get_database`].
    pub fn get_database(&self, name: &str) -> ClusterResult<DatabaseDescriptor> {
        <Self as ClusterCatalog>::get_database(self, name)
    }

    /// See [`ClusterCatalog::get_database_by_id`].
    pub fn get_database_by_id(&self, id: DatabaseId) -> ClusterResult<DatabaseDescriptor> {
        <Self as ClusterCatalog>::get_database_by_id(self, id)
    }

    /// See [`ClusterCatalog::list_databases`].
    pub fn list_databases(&self) -> ClusterResult<Vec<DatabaseDescriptor>> {
        <Self as ClusterCatalog>::list_databases(self)
    }
}

impl ClusterCatalog for InMemoryClusterCatalog {
    fn create_database(&self, request: CreateDatabaseRequest) -> ClusterResult<DatabaseDescriptor> {
        validate_name(&request.name)?;
        if let Some(limit) = request.connection_limit {
            validate_connection_limit(limit)?;
        }
        let mut state = self.state.write();
        if state.by_name.contains_key(&request.name) {
            return Err(ClusterError::DatabaseAlreadyExists { name: request.name });
        }
        let template = match &request.template {
            Some(name) => Some(state.lookup(name)?.clone()),
            None => state.lookup(TEMPLATE1_NAME).ok().cloned(),
        };
        let inherit =
            |own: Option<String>, pick: fn(&DatabaseDescriptor) -> &String, fallback: &str| {
                own.or_else(|| template.as_ref().map(|t| pick(t).clone()))
                    .unwrap_or_else(|| fallback.to_owned())
            };
        let id = DatabaseId::new(state.next_id);
        let descriptor = DatabaseDescriptor {
            id,
            encoding: inherit(request.encoding, |t| &t.encoding, DEFAULT_ENCODING),
            collate: inherit(request.collate, |t| &t.collate, DEFAULT_LOCALE),
            ctype: inherit(request.ctype, |t| &t.ctype, DEFAULT_LOCALE),
            tablespace_id: request
                .tablespace_id
                .or_else(|| template.as_ref().map(|t| t.tablespace_id))
                .unwrap_or(TablespaceId::PG_DEFAULT),
            connection_limit: request.connection_limit.unwrap_or(-1),
            is_template: request.is_template,
            allow_connections: request.allow_connections,
            template: template.as_ref().map(|t| t.id),
            name: request.name,
            owner: request.owner,
        };
        state.insert(descriptor.clone());
        Ok(descriptor)
    }

    fn drop_database(&self, name: &str) -> ClusterResult<DatabaseDescriptor> {
        let mut state = self.state.write();
        let descriptor = state.lookup(name)?.clone();
        if descriptor.is_template {
            return Err(ClusterError::CannotDropTemplate {
                name: name.to_owned(),
            });
        }
        state.by_name.remove(name);
        state.by_id.remove(&descriptor.id);
        Ok(descriptor)
    }

    fn get_database(&self, name: &str) -> ClusterResult<DatabaseDescriptor> {
        self.state.read().lookup(name).cloned()
    }

    fn get_database_by_id(&self, id: DatabaseId) -> ClusterResult<DatabaseDescriptor> {
        self.state
            .read()
            .by_id
            .get(&id)
            .cloned()
            .ok_or(ClusterError::DatabaseIdNotFound { id })
    }

    fn list_databases(&self) -> ClusterResult<Vec<DatabaseDescriptor>> {
        Ok(self.state.read().by_id.values().cloned().collect())
    }

    fn alter_database(
        &self,
        name: &str,
        change: DatabaseAlteration,
    ) -> ClusterResult<DatabaseDescriptor> {
        let mut state = self.state.write();
        let mut descriptor = state.lookup(name)?.clone();
        match change {
            DatabaseAlteration::RenameTo(new_name) => {
                validate_name(&new_name)?;
                if new_name != name && state.by_name.contains_key(&new_name) {
                    return Err(ClusterError::DatabaseAlreadyExists { name: new_name });
                }
                state.by_name.remove(name);
                descriptor.name = new_name;
            }
            DatabaseAlteration::OwnerTo(owner) => descriptor.owner = owner,
            DatabaseAlteration::ConnectionLimit(limit) => {
                validate_connection_limit(limit)?;
                descriptor.connection_limit = limit;
            }
            DatabaseAlteration::AllowConnections(allow) => descriptor.allow_connections = allow,
            DatabaseAlteration::IsTemplate(is_template) => descriptor.is_template = is_template,
        }
        state.insert(descriptor.clone());
        Ok(descriptor)
    }

    fn install_database(&self, descriptor: DatabaseDescriptor) -> ClusterResult<()> {
        validate_name(&descriptor.name)?;
        validate_connection_limit(descriptor.connection_limit)?;
        if descriptor.id.is_cluster() {
            return Err(ClusterError::ReservedDatabaseId { id: descriptor.id });
        }
        let mut state = self.state.write();
        if state
            .by_name
            .get(&descriptor.name)
            .is_some_and(|&holder| holder != descriptor.id)
        {
            return Err(ClusterError::DatabaseAlreadyExists {
                name: descriptor.name,
            });
        }
        if let Some(previous) = state.by_id.get(&descriptor.id) {
            let old_name = previous.name.clone();
            state.by_name.remove(&old_name);
        }
        state.insert(descriptor);
        Ok(())
    }

    fn next_database_id(&self) -> ClusterResult<DatabaseId> {
        Ok(DatabaseId::new(self.state.read().next_id))
    }

    fn advance_next_database_id(&self, id: DatabaseId) -> ClusterResult<()> {
        let mut state = self.state.write();
        state.next_id = state.next_id.max(id.get());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> InMemoryClusterCatalog {
        let c = InMemoryClusterCatalog::new();
        c.bootstrap_default("postgres").unwrap();
        c
    }

    #[test]
    fn bootstrap_creates_postgres_and_templates() {
        let c = catalog();
        let names: Vec<_> = c
            .list_databases()
            .unwrap()
            .into_iter()
            .map(|d| d.name)
            .collect();
        assert_eq!(names, ["postgres", "template1", "template0"]);
        assert_eq!(c.get_database("postgres").unwrap().id, DatabaseId::DEFAULT);
        assert!(!c.get_database("template0").unwrap().allow_connections);
        // idempotent
        c.bootstrap_default("other").unwrap();
        assert_eq!(c.get_database("postgres").unwrap().owner, "postgres");
    }

    #[test]
    fn create_assigns_fresh_ids_and_inherits_template() {
        let c = catalog();
        let a = c
            .create_database(CreateDatabaseRequest::new("a", "alice"))
            .unwrap();
        let b = c
            .create_database(CreateDatabaseRequest::new("b", "bob"))
            .unwrap();
        assert_eq!(a.id, DatabaseId::FIRST_USER);
        assert_eq!(b.id.get(), DatabaseId::FIRST_USER.get() + 1);
        assert_eq!(a.template, Some(DatabaseId::new(2)));
        assert_eq!(a.encoding, "UTF8");
        assert_eq!(a.tablespace_id, TablespaceId::PG_DEFAULT);
        c.drop_database("b").unwrap();
        let d = c
            .create_database(CreateDatabaseRequest::new("d", "bob"))
            .unwrap();
        assert_eq!(
            d.id.get(),
            DatabaseId::FIRST_USER.get() + 2,
            "ids are never reused"
        );
    }

    #[test]
    fn duplicate_and_missing_names_are_typed_errors() {
        let c = catalog();
        let err = c
            .create_database(CreateDatabaseRequest::new("postgres", "x"))
            .unwrap_err();
        assert_eq!(err.sqlstate(), "42P04");
        let err = c.drop_database("nope").unwrap_err();
        assert_eq!(
            err,
            ClusterError::DatabaseNotFound {
                name: "nope".into()
            }
        );
        assert_eq!(err.sqlstate(), "3D000");
        let mut req = CreateDatabaseRequest::new("z", "x");
        req.template = Some("missing".into());
        assert_eq!(c.create_database(req).unwrap_err().sqlstate(), "3D000");
        assert!(matches!(
            c.get_database_by_id(DatabaseId::new(999)),
            Err(ClusterError::DatabaseIdNotFound { .. })
        ));
    }

    #[test]
    fn alter_operations() {
        let c = catalog();
        c.create_database(CreateDatabaseRequest::new("a", "alice"))
            .unwrap();
        let renamed = c.rename_database("a", "b").unwrap();
        assert!(c.get_database("a").is_err());
        assert_eq!(c.get_database("b").unwrap().id, renamed.id);
        assert_eq!(
            c.rename_database("b", "postgres").unwrap_err().sqlstate(),
            "42P04"
        );
        assert_eq!(c.alter_database_owner("b", "carol").unwrap().owner, "carol");
        assert_eq!(c.set_connection_limit("b", 5).unwrap().connection_limit, 5);
        assert_eq!(
            c.set_connection_limit("b", -2).unwrap_err(),
            ClusterError::InvalidConnectionLimit { limit: -2 }
        );
        assert!(
            !c.set_allow_connections("b", false)
                .unwrap()
                .allow_connections
        );
        assert!(c.set_is_template("b", true).unwrap().is_template);
        assert!(matches!(
            c.drop_database("b"),
            Err(ClusterError::CannotDropTemplate { .. })
        ));
        c.set_is_template("b", false).unwrap();
        c.drop_database("b").unwrap();
        assert!(c.rename_database("missing", "x").is_err());
    }

    #[test]
    fn install_replays_deterministically() {
        let primary = catalog();
        let a = primary
            .create_database(CreateDatabaseRequest::new("a", "o"))
            .unwrap();
        let b = primary
            .create_database(CreateDatabaseRequest::new("b", "o"))
            .unwrap();
        primary.drop_database("a").unwrap();
        let replica = catalog();
        replica.install_database(a.clone()).unwrap();
        replica.install_database(b.clone()).unwrap();
        replica.drop_database("a").unwrap();
        assert_eq!(
            replica.list_databases().unwrap(),
            primary.list_databases().unwrap()
        );
        assert_eq!(
            replica.next_database_id().unwrap(),
            primary.next_database_id().unwrap()
        );
        // Replayed ALTER ... RENAME replaces by id.
        let mut renamed = b.clone();
        renamed.name = "bb".into();
        replica.install_database(renamed).unwrap();
        assert!(replica.get_database("b").is_err());
        assert_eq!(replica.get_database("bb").unwrap().id, b.id);
        // A name held by another id is rejected; the cluster id is reserved.
        let mut clash = b.clone();
        clash.id = DatabaseId::new(50_000);
        clash.name = "bb".into();
        assert!(matches!(
            replica.install_database(clash),
            Err(ClusterError::DatabaseAlreadyExists { .. })
        ));
        let mut reserved = b;
        reserved.id = DatabaseId::CLUSTER;
        reserved.name = "c".into();
        assert!(matches!(
            replica.install_database(reserved),
            Err(ClusterError::ReservedDatabaseId { .. })
        ));
        replica
            .advance_next_database_id(DatabaseId::new(70_000))
            .unwrap();
        let next = replica
            .create_database(CreateDatabaseRequest::new("n", "o"))
            .unwrap();
        assert_eq!(next.id.get(), 70_000);
    }

    #[test]
    fn handle_exposes_parts() {
        struct Cat;
        impl DatabaseCatalog for Cat {}
        struct Sto;
        impl DatabaseStorage for Sto {}
        let c = catalog();
        let d = c.get_database("postgres").unwrap();
        let h = DatabaseHandle::new(d.clone(), Arc::new(Cat), Arc::new(Sto));
        assert_eq!(h.id(), DatabaseId::DEFAULT);
        assert_eq!(h.descriptor(), &d);
        assert!(format!("{h:?}").contains("postgres"));
        let (desc, _cat, _sto) = h.into_parts();
        assert_eq!(desc, d);
    }

    #[test]
    fn catalog_is_shareable_across_threads() {
        let c = Arc::new(catalog());
        let threads: Vec<_> = (0..4)
            .map(|i| {
                let c = Arc::clone(&c);
                std::thread::spawn(move || {
                    c.create_database(CreateDatabaseRequest::new(format!("db{i}"), "o"))
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap().unwrap();
        }
        let ids: std::collections::BTreeSet<_> = c
            .list_databases()
            .unwrap()
            .into_iter()
            .map(|d| d.id)
            .collect();
        assert_eq!(ids.len(), 7);
    }
}
