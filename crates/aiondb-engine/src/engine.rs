//! The engine: one store, the cluster catalog of databases and roles, and
//! the sessions working against them.
//!
//! Databases and roles are rows of two cluster-wide system tables
//! (database 0) in the store, so they are WAL-logged, checkpointed and
//! recovered like every other row; the in-memory [`InMemoryClusterCatalog`]
//! is rebuilt from them at open (`install_database`, ids re-established, never
//! re-assigned).

use crate::session::{Session, StartupParams};
use aiondb_cluster::{
    ClusterCatalog, CreateDatabaseRequest, DatabaseDescriptor, DatabaseId, InMemoryClusterCatalog,
};
use aiondb_core::{DataType, DbError, DbResult, SqlState, TableId, Value};
use aiondb_storage::{
    ColumnSchema, IsolationLevel, RecoveryReport, Store, StoreOptions, TableSchema,
};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

/// The cluster-wide "database" holding system tables.
pub const SYSTEM_DATABASE: u32 = 0;
const DATABASES_TABLE: &str = "aiondb_databases";
const ROLES_TABLE: &str = "aiondb_roles";
const ACL_TABLE: &str = aiondb_sql::privilege::ACL_TABLE;

/// Startup settings of the engine.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    pub data_dir: PathBuf,
    pub store: StoreOptions,
}

/// A role as the engine keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    pub oid: u32,
    pub name: String,
    pub superuser: bool,
    pub login: bool,
    /// SCRAM-SHA-256 verifier in PostgreSQL's format.
    pub password: Option<String>,
}

/// The database engine, shared by every connection.
pub struct Engine {
    pub(crate) store: Arc<Store>,
    pub(crate) cluster: InMemoryClusterCatalog,
    pub(crate) roles: Mutex<Vec<Role>>,
    databases_table: TableId,
    roles_table: TableId,
    next_pid: AtomicI32,
    pub(crate) cancels: Mutex<HashMap<(i32, i32), Arc<AtomicBool>>>,
    shut_down: AtomicBool,
}

fn system_table(name: &str, columns: &[(&str, DataType)]) -> TableSchema {
    TableSchema {
        id: TableId(0),
        database: SYSTEM_DATABASE,
        schema: "pg_catalog".into(),
        name: name.into(),
        columns: columns
            .iter()
            .map(|(n, t)| ColumnSchema {
                name: (*n).into(),
                data_type: t.clone(),
                nullable: false,
            })
            .collect(),
        primary_key: vec![0],
        primary_key_name: Some(format!("{name}_pkey")),
        indexes: Vec::new(),
        sql: String::new(),
    }
}

impl Engine {
    /// Opens the data directory (initializing it on first start: role
    /// `postgres`, databases `postgres`, `template0`, `template1`).
    pub fn open(config: EngineConfig) -> DbResult<(Arc<Engine>, RecoveryReport)> {
        let (store, report) = Store::open(&config.data_dir, config.store)?;
        let catalog = store.catalog();
        let existing = (
            catalog
                .table_by_name(SYSTEM_DATABASE, "pg_catalog", DATABASES_TABLE)
                .map(|t| t.id),
            catalog
                .table_by_name(SYSTEM_DATABASE, "pg_catalog", ROLES_TABLE)
                .map(|t| t.id),
        );
        let (databases_table, roles_table) = match existing {
            (Some(d), Some(r)) => (d, r),
            _ => bootstrap(&store)?,
        };
        if catalog
            .table_by_name(SYSTEM_DATABASE, "pg_catalog", ACL_TABLE)
            .is_none()
        {
            // Data directories from before privileges were recorded gain
            // the table on their first open (every object then has its
            // default ACL). A read-only store (a replica) receives it from
            // its primary instead.
            let mut txn = store.begin(IsolationLevel::ReadCommitted);
            if let Err(e) = txn
                .create_table(acl_table())
                .and_then(|_| txn.commit().map(|_| ()))
            {
                tracing::warn!("could not create system table {ACL_TABLE}: {e}");
            }
        }
        let cluster = InMemoryClusterCatalog::new();
        let mut roles = Vec::new();
        {
            let mut txn = store.begin(IsolationLevel::RepeatableRead);
            for (_, row) in txn.scan(
                databases_table,
                std::ops::Bound::Unbounded,
                std::ops::Bound::Unbounded,
            )? {
                let Some(Value::Text(json)) = row.get(1) else {
                    return Err(DbError::corrupted("database catalog row has no descriptor"));
                };
                let descriptor: DatabaseDescriptor = serde_json::from_str(json).map_err(|e| {
                    DbError::corrupted(format!("database descriptor is damaged: {e}"))
                })?;
                cluster
                    .install_database(descriptor)
                    .map_err(cluster_error)?;
            }
            for (_, row) in txn.scan(
                roles_table,
                std::ops::Bound::Unbounded,
                std::ops::Bound::Unbounded,
            )? {
                roles.push(role_from_row(&row)?);
            }
            txn.commit()?;
        }
        let engine = Arc::new(Engine {
            store,
            cluster,
            roles: Mutex::new(roles),
            databases_table,
            roles_table,
            next_pid: AtomicI32::new(std::process::id() as i32 * 16),
            cancels: Mutex::new(HashMap::new()),
            shut_down: AtomicBool::new(false),
        });
        if let Err(e) = crate::temp::drop_leftovers(&engine) {
            tracing::warn!("could not drop temporary schemas left by an earlier run: {e}");
        }
        Ok((engine, report))
    }

    /// Starts a session for a client. Unknown database: 3D000; unknown
    /// role or one that may not log in: 28000.
    pub fn connect(self: &Arc<Self>, startup: StartupParams) -> DbResult<Session> {
        if self.shut_down.load(Ordering::Acquire) {
            return Err(DbError::new(
                SqlState::ADMIN_SHUTDOWN,
                "the database system is shutting down",
            ));
        }
        let role = self
            .role(&startup.user)
            .filter(|r| r.login)
            .ok_or_else(|| {
                DbError::new(
                    SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
                    format!("role \"{}\" does not exist", startup.user),
                )
            })?;
        let db_name = if startup.database.is_empty() {
            startup.user.clone()
        } else {
            startup.database.clone()
        };
        let database = self.cluster.get_database(&db_name).map_err(|_| {
            DbError::new(
                SqlState::from_static("3D000"),
                format!("database \"{db_name}\" does not exist"),
            )
        })?;
        if !database.allow_connections {
            return Err(DbError::new(
                SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
                format!("database \"{db_name}\" is not currently accepting connections"),
            ));
        }
        let pid = self.next_pid.fetch_add(1, Ordering::Relaxed);
        let secret = rand::random::<i32>();
        let cancel = Arc::new(AtomicBool::new(false));
        self.cancels.lock().insert((pid, secret), cancel.clone());
        Session::new(self.clone(), startup, role, database, (pid, secret), cancel)
    }

    /// The SCRAM-SHA-256 verifier of a role, None if it has no password.
    pub fn scram_verifier(&self, user: &str) -> DbResult<Option<String>> {
        Ok(self.role(user).and_then(|r| r.password))
    }

    /// The cancel flag for a backend key, if such a session exists.
    pub fn cancel_flag(&self, pid: i32, secret: i32) -> Option<Arc<AtomicBool>> {
        self.cancels.lock().get(&(pid, secret)).cloned()
    }

    /// Takes a checkpoint now.
    pub fn checkpoint(&self) -> DbResult<()> {
        self.store.checkpoint().map(|_| ())
    }

    /// Refuses new sessions and takes a final checkpoint.
    pub fn shutdown(&self) -> DbResult<()> {
        self.shut_down.store(true, Ordering::Release);
        self.checkpoint()
    }

    /// The store (replication and metrics use it).
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    pub(crate) fn role(&self, name: &str) -> Option<Role> {
        self.roles.lock().iter().find(|r| r.name == name).cloned()
    }

    pub(crate) fn roles(&self) -> Vec<Role> {
        self.roles.lock().clone()
    }

    pub(crate) fn databases(&self) -> Vec<DatabaseDescriptor> {
        self.cluster.list_databases().unwrap_or_default()
    }

    /// CREATE DATABASE: a new descriptor, logged as a system-table row.
    pub(crate) fn create_database(&self, request: CreateDatabaseRequest) -> DbResult<()> {
        let descriptor = self
            .cluster
            .create_database(request)
            .map_err(cluster_error)?;
        let json = serde_json::to_string(&descriptor)
            .map_err(|e| DbError::internal(format!("cannot encode database descriptor: {e}")))?;
        let mut txn = self.store.begin(IsolationLevel::ReadCommitted);
        let result = txn
            .insert(
                self.databases_table,
                vec![Value::Int4(descriptor.id.get() as i32), Value::Text(json)],
            )
            .and_then(|_| txn.commit());
        if let Err(e) = result {
            let _ = self.cluster.drop_database(&descriptor.name);
            return Err(e);
        }
        Ok(())
    }

    /// DROP DATABASE: its tables go too.
    pub(crate) fn drop_database(&self, name: &str, if_exists: bool) -> DbResult<bool> {
        let descriptor = match self.cluster.get_database(name) {
            Ok(d) => d,
            Err(_) if if_exists => return Ok(false),
            Err(e) => return Err(cluster_error(e)),
        };
        let mut txn = self.store.begin(IsolationLevel::ReadCommitted);
        let id = descriptor.id.get();
        let tables: Vec<TableId> = txn
            .catalog()
            .tables
            .values()
            .filter(|t| t.database == id)
            .map(|t| t.id)
            .collect();
        for t in tables {
            txn.drop_table(t)?;
        }
        let seqs: Vec<_> = txn
            .catalog()
            .sequences
            .values()
            .filter(|s| s.database == id)
            .map(|s| s.id)
            .collect();
        for s in seqs {
            txn.drop_sequence(s)?;
        }
        txn.delete(self.databases_table, &vec![Value::Int4(id as i32)], |_| {
            Ok(true)
        })?;
        txn.commit()?;
        self.cluster.drop_database(name).map_err(cluster_error)?;
        Ok(true)
    }

    /// CREATE ROLE / ALTER ROLE: upserts a role row.
    pub(crate) fn put_role(&self, role: Role) -> DbResult<()> {
        let mut txn = self.store.begin(IsolationLevel::ReadCommitted);
        let row = role_row(&role);
        let key = vec![Value::Text(role.name.clone())];
        let updated = txn.update(self.roles_table, &key, |_| Ok(Some(row.clone())))?;
        if updated.is_none() {
            txn.insert(self.roles_table, row)?;
        }
        txn.commit()?;
        let mut roles = self.roles.lock();
        roles.retain(|r| r.name != role.name);
        roles.push(role);
        Ok(())
    }

    /// DROP ROLE.
    pub(crate) fn drop_role(&self, name: &str) -> DbResult<bool> {
        let mut txn = self.store.begin(IsolationLevel::ReadCommitted);
        let deleted = txn.delete(self.roles_table, &vec![Value::Text(name.into())], |_| {
            Ok(true)
        })?;
        txn.commit()?;
        self.roles.lock().retain(|r| r.name != name);
        Ok(deleted)
    }

    pub(crate) fn next_role_oid(&self) -> u32 {
        self.roles
            .lock()
            .iter()
            .map(|r| r.oid)
            .max()
            .unwrap_or(16383)
            + 1
    }
}

fn role_row(role: &Role) -> Vec<Value> {
    vec![
        Value::Text(role.name.clone()),
        Value::Int4(role.oid as i32),
        Value::Bool(role.superuser),
        Value::Bool(role.login),
        role.password
            .clone()
            .map(Value::Text)
            .unwrap_or(Value::Text(String::new())),
    ]
}

fn role_from_row(row: &[Value]) -> DbResult<Role> {
    match row {
        [
            Value::Text(name),
            Value::Int4(oid),
            Value::Bool(superuser),
            Value::Bool(login),
            Value::Text(pw),
        ] => Ok(Role {
            oid: *oid as u32,
            name: name.clone(),
            superuser: *superuser,
            login: *login,
            password: (!pw.is_empty()).then(|| pw.clone()),
        }),
        _ => Err(DbError::corrupted(
            "role catalog row has an unexpected shape",
        )),
    }
}

/// The system table of schema ACLs and default privileges
/// (`aiondb_sql::privilege::store`).
fn acl_table() -> TableSchema {
    system_table(
        ACL_TABLE,
        &[("key", DataType::Text), ("acl", DataType::Text)],
    )
}

/// First start: the system tables, role `postgres`, and the default
/// databases, in one transaction.
fn bootstrap(store: &Arc<Store>) -> DbResult<(TableId, TableId)> {
    let mut txn = store.begin(IsolationLevel::ReadCommitted);
    let databases = txn.create_table(system_table(
        DATABASES_TABLE,
        &[("oid", DataType::Int4), ("descriptor", DataType::Text)],
    ))?;
    let roles = txn.create_table(system_table(
        ROLES_TABLE,
        &[
            ("rolname", DataType::Text),
            ("oid", DataType::Int4),
            ("rolsuper", DataType::Bool),
            ("rolcanlogin", DataType::Bool),
            ("rolpassword", DataType::Text),
        ],
    ))?;
    let seed = InMemoryClusterCatalog::new();
    seed.bootstrap_default("postgres").map_err(cluster_error)?;
    for d in seed.list_databases().map_err(cluster_error)? {
        let json = serde_json::to_string(&d)
            .map_err(|e| DbError::internal(format!("cannot encode database descriptor: {e}")))?;
        txn.insert(
            databases,
            vec![Value::Int4(d.id.get() as i32), Value::Text(json)],
        )?;
    }
    txn.insert(
        roles,
        role_row(&Role {
            oid: 10,
            name: "postgres".into(),
            superuser: true,
            login: true,
            password: None,
        }),
    )?;
    txn.commit()?;
    tracing::info!("initialized new data directory: role \"postgres\", database \"postgres\"");
    let _ = DatabaseId::DEFAULT;
    Ok((databases, roles))
}

/// Maps a cluster-catalog error to a DbError with its SQLSTATE.
pub(crate) fn cluster_error(e: aiondb_cluster::ClusterError) -> DbError {
    DbError::new(SqlState::from_static(e.sqlstate()), e.to_string())
}
