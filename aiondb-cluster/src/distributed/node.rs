//! Node membership records, snapshots, and placement policies.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ids::{CatalogVersion, NodeId, ShardId};
use super::shard::ShardDescriptor;

/// A registered node: identity, address, and failure-domain attributes
/// (e.g. `region=eu`, `zone=eu-1a`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeDescriptor {
    /// The node's identity.
    pub node_id: NodeId,
    /// Where its fragment transport listens (opaque to this crate).
    pub address: String,
    /// Locality and capability attributes used by placement policies.
    pub attributes: BTreeMap<String, String>,
}

impl NodeDescriptor {
    /// A node without attributes.
    pub fn new(node_id: impl Into<NodeId>, address: impl Into<String>) -> Self {
        Self {
            node_id: node_id.into(),
            address: address.into(),
            attributes: BTreeMap::new(),
        }
    }

    /// Builder: adds one attribute.
    pub fn with_attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.insert(key.into(), value.into());
        self
    }

    /// The value of attribute `key`, if set.
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).map(String::as_str)
    }
}

/// A node as seen at one instant: its descriptor and liveness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlPlaneNodeSnapshot {
    /// The node's registration.
    pub descriptor: NodeDescriptor,
    /// Whether the node is currently considered live.
    pub live: bool,
}

impl ControlPlaneNodeSnapshot {
    /// The node's id.
    pub fn node_id(&self) -> &NodeId {
        &self.descriptor.node_id
    }
}

/// A consistent copy of the whole control-plane state; the only input the
/// pure planners need.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlPlaneSnapshot {
    /// Catalog version at the time of the snapshot.
    pub catalog_version: CatalogVersion,
    /// Registered nodes, sorted by id.
    pub nodes: Vec<ControlPlaneNodeSnapshot>,
    /// Shards, sorted by id.
    pub shards: Vec<ShardDescriptor>,
}

impl ControlPlaneSnapshot {
    /// The node with id `node_id`, if registered.
    pub fn node(&self, node_id: &NodeId) -> Option<&ControlPlaneNodeSnapshot> {
        self.nodes
            .binary_search_by(|n| n.node_id().cmp(node_id))
            .ok()
            .map(|i| &self.nodes[i])
    }

    /// Whether `node_id` is registered and live.
    pub fn is_live(&self, node_id: &NodeId) -> bool {
        self.node(node_id).is_some_and(|n| n.live)
    }

    /// The shard with id `shard_id`, if known.
    pub fn shard(&self, shard_id: ShardId) -> Option<&ShardDescriptor> {
        self.shards
            .binary_search_by(|s| s.shard_id.cmp(&shard_id))
            .ok()
            .map(|i| &self.shards[i])
    }

    /// Mutable access to a shard.
    pub fn shard_mut(&mut self, shard_id: ShardId) -> Option<&mut ShardDescriptor> {
        self.shards
            .binary_search_by(|s| s.shard_id.cmp(&shard_id))
            .ok()
            .map(|i| &mut self.shards[i])
    }

    /// Restores the sorted-by-id invariants after building a snapshot by hand.
    pub fn normalize(&mut self) {
        self.nodes.sort_by(|a, b| a.node_id().cmp(b.node_id()));
        self.nodes.dedup_by(|a, b| a.node_id() == b.node_id());
        self.shards.sort_by_key(|s| s.shard_id);
        self.shards.dedup_by_key(|s| s.shard_id);
    }
}

/// "Attribute `key` has value `value`".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NodeAttributeConstraint {
    /// Attribute name.
    pub key: String,
    /// Required value.
    pub value: String,
}

impl NodeAttributeConstraint {
    /// `key=value`.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
        }
    }

    /// Whether `node` carries this attribute value.
    pub fn matches(&self, node: &NodeDescriptor) -> bool {
        node.attribute(&self.key) == Some(self.value.as_str())
    }
}

/// Cockroach-style placement controls for the pure planners.
///
/// * `required_attributes`: every constraint must match for a node to receive
///   a new replica.
/// * `lease_preferences`: ordered; a node's lease rank is the index of the
///   first preference it matches (lower is better, unmatched ranks last).
/// * `spread_attributes`: ordered attribute keys (e.g. `region`, `zone`);
///   voters avoid sharing a value when an alternative exists, earlier keys
///   weigh more.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaPlacementPolicy {
    /// Constraints a replica's node must satisfy.
    pub required_attributes: Vec<NodeAttributeConstraint>,
    /// Preferred leaseholder localities, most preferred first.
    pub lease_preferences: Vec<NodeAttributeConstraint>,
    /// Failure-domain attribute keys to spread voters across.
    pub spread_attributes: Vec<String>,
}

impl ReplicaPlacementPolicy {
    /// Whether `node` satisfies every required attribute.
    pub fn admits(&self, node: &NodeDescriptor) -> bool {
        self.required_attributes.iter().all(|c| c.matches(node))
    }

    /// Index of the first lease preference `node` matches; `len()` if none.
    pub fn lease_rank(&self, node: &NodeDescriptor) -> usize {
        self.lease_preferences
            .iter()
            .position(|c| c.matches(node))
            .unwrap_or(self.lease_preferences.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_matching() {
        let n = NodeDescriptor::new("n1", "h:1")
            .with_attribute("region", "eu")
            .with_attribute("zone", "a");
        let policy = ReplicaPlacementPolicy {
            required_attributes: vec![NodeAttributeConstraint::new("region", "eu")],
            lease_preferences: vec![
                NodeAttributeConstraint::new("zone", "b"),
                NodeAttributeConstraint::new("zone", "a"),
            ],
            spread_attributes: vec!["zone".into()],
        };
        assert!(policy.admits(&n));
        assert_eq!(policy.lease_rank(&n), 1);
        let us = NodeDescriptor::new("n2", "h:2").with_attribute("region", "us");
        assert!(!policy.admits(&us));
        assert_eq!(policy.lease_rank(&us), 2);
        assert!(ReplicaPlacementPolicy::default().admits(&us));
    }
}
