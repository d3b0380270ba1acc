//! Identities and monotonic counters of the distributed layer.

use std::fmt;

use serde::{Deserialize, Serialize};

/// String-backed cluster node identity (operators set it to the replica's
/// `application_name` so WAL progress can be matched to placements).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct NodeId(String);

impl NodeId {
    /// Wraps a node name.
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    /// The node name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for NodeId {
    fn from(name: &str) -> Self {
        Self::new(name)
    }
}

impl From<String> for NodeId {
    fn from(name: String) -> Self {
        Self(name)
    }
}

macro_rules! id_newtype {
    ($(#[$doc:meta])* $name:ident($raw:ty)) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub struct $name($raw);

        impl $name {
            /// Wraps a raw value.
            pub const fn new(raw: $raw) -> Self {
                Self(raw)
            }

            /// The raw value.
            pub const fn get(self) -> $raw {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

macro_rules! counter_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        id_newtype!($(#[$doc])* $name(u64));

        impl $name {
            /// The first value.
            pub const INITIAL: $name = $name(1);

            /// The successor (saturating; a u64 counter never wraps in practice).
            pub const fn next(self) -> Self {
                Self(self.0.saturating_add(1))
            }
        }
    };
}

id_newtype!(
    /// Shard identifier, unique across the cluster.
    ShardId(u32)
);
id_newtype!(
    /// Query identifier (a random or clock-derived u128).
    QueryId(u128)
);
id_newtype!(
    /// Fragment identifier within a query.
    FragmentId(u64)
);
id_newtype!(
    /// Distributed transaction identifier assigned by a [`TxnCoordinator`](crate::TxnCoordinator).
    TxnId(u64)
);
counter_newtype!(
    /// Version of the distributed catalog; bumped by every schema change.
    CatalogVersion
);
counter_newtype!(
    /// Per-shard placement epoch; bumped by every placement or leadership change.
    PlacementEpoch
);
counter_newtype!(
    /// Monotonic snapshot timestamp handed out by the txn coordinator.
    SnapshotTimestamp
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_monotonic_and_saturate() {
        assert!(PlacementEpoch::INITIAL.next() > PlacementEpoch::INITIAL);
        assert_eq!(SnapshotTimestamp::new(u64::MAX).next().get(), u64::MAX);
        assert_eq!(CatalogVersion::INITIAL.get(), 1);
        assert_eq!(NodeId::from("n1").to_string(), "n1");
        assert_eq!(ShardId::new(3).get(), 3);
        assert_eq!(QueryId::new(u128::MAX).get(), u128::MAX);
        assert_eq!(FragmentId::new(9).to_string(), "9");
    }
}
