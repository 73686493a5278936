//! What a key may do: a level (`none`, `read`, `write`) on each resource of a merchant's
//! account. `full` and `read_only` keys are fixed sets of these; a `restricted` key carries its
//! own.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::FieldErrorsBuilder;

/// An area of a merchant's account that routes read or change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Resource {
    /// Payment requests, transactions (create, read, cancel), payment links and customers.
    Payments,
    Refunds,
    /// Webhook endpoints, their secrets and delivery logs.
    Webhooks,
    /// The event log, and resending events.
    Events,
    /// The API access log.
    Logs,
    /// API keys and the two-step authenticator: the account's credentials.
    Keys,
    /// The connected payment processor.
    Processor,
}

impl Resource {
    pub const ALL: [Resource; 7] = [
        Resource::Payments,
        Resource::Refunds,
        Resource::Webhooks,
        Resource::Events,
        Resource::Logs,
        Resource::Keys,
        Resource::Processor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Payments => "payments",
            Resource::Refunds => "refunds",
            Resource::Webhooks => "webhooks",
            Resource::Events => "events",
            Resource::Logs => "logs",
            Resource::Keys => "keys",
            Resource::Processor => "processor",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw)
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The resources as a client reads them in a message: `payments, refunds, …`.
    pub fn names() -> String {
        Self::ALL.map(Resource::as_str).join(", ")
    }
}

/// How much of a resource a key may use. `write` includes `read`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Level {
    #[default]
    None,
    Read,
    Write,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Read => "read",
            Level::Write => "write",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "none" => Some(Level::None),
            "read" => Some(Level::Read),
            "write" => Some(Level::Write),
            _ => None,
        }
    }
}

/// What one route needs: `payments:write`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permission {
    pub resource: Resource,
    pub level: Level,
}

impl Permission {
    pub const fn read(resource: Resource) -> Self {
        Self {
            resource,
            level: Level::Read,
        }
    }

    pub const fn write(resource: Resource) -> Self {
        Self {
            resource,
            level: Level::Write,
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.resource.as_str(), self.level.as_str())
    }
}

/// A level for every resource. Stored and answered as `{"payments": "write", …}`, every
/// resource named.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Permissions([Level; Resource::ALL.len()]);

impl Permissions {
    /// Write on everything: a `full` key, and the admin token acting for a merchant.
    pub const fn full() -> Self {
        Self([Level::Write; Resource::ALL.len()])
    }

    /// Read on everything but the account's credentials: a `read_only` key, which could never
    /// list keys.
    pub fn read_only() -> Self {
        let mut all = Self([Level::Read; Resource::ALL.len()]);
        all.0[Resource::Keys.index()] = Level::None;
        all
    }

    pub fn level(&self, resource: Resource) -> Level {
        self.0[resource.index()]
    }

    pub fn with(mut self, resource: Resource, level: Level) -> Self {
        self.0[resource.index()] = level;
        self
    }

    pub fn allows(&self, needed: Permission) -> bool {
        self.level(needed.resource) >= needed.level
    }

    /// The first permission `other` has that `self` lacks, if any: what a key cannot grant.
    pub fn first_missing(&self, other: &Permissions) -> Option<Permission> {
        Resource::ALL.into_iter().find_map(|resource| {
            let level = other.level(resource);
            (level > self.level(resource)).then_some(Permission { resource, level })
        })
    }

    pub fn grants_anything(&self) -> bool {
        self.0.iter().any(|l| *l > Level::None)
    }

    pub fn to_json(&self) -> Value {
        Value::Object(
            Resource::ALL
                .into_iter()
                .map(|r| (r.as_str().to_owned(), Value::from(self.level(r).as_str())))
                .collect::<Map<_, _>>(),
        )
    }

    /// Reads a client's `permissions` object: known resources only, each `none`, `read` or
    /// `write`; an unnamed resource is `none`. Problems go to `errors` under
    /// `permissions.<resource>` (or `permissions` for the whole value).
    pub fn parse(value: &Value, errors: &mut FieldErrorsBuilder) -> Option<Self> {
        let Value::Object(map) = value else {
            errors.add(
                "permissions",
                "must be an object of resource: level, such as {\"payments\": \"write\"}",
            );
            return None;
        };
        let mut out = Self::default();
        let mut ok = true;
        for (name, level) in map {
            let field = format!("permissions.{name}");
            let Some(resource) = Resource::parse(name) else {
                errors.add(
                    &field,
                    format!("is not a resource; use {}", Resource::names()),
                );
                ok = false;
                continue;
            };
            match level.as_str().and_then(Level::parse) {
                Some(level) => out.0[resource.index()] = level,
                None => {
                    errors.add(&field, "must be 'none', 'read' or 'write'");
                    ok = false;
                }
            }
        }
        if ok && !out.grants_anything() {
            errors.add(
                "permissions",
                "grants nothing: give at least one resource read or write",
            );
            ok = false;
        }
        ok.then_some(out)
    }
}

impl fmt::Debug for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                Resource::ALL
                    .into_iter()
                    .map(|r| (r.as_str(), self.level(r).as_str())),
            )
            .finish()
    }
}

impl Serialize for Permissions {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(Resource::ALL.len()))?;
        for r in Resource::ALL {
            map.serialize_entry(r.as_str(), self.level(r).as_str())?;
        }
        map.end()
    }
}

/// Stored permissions: what this code wrote. A resource it does not know (from a newer
/// version) or does not find is `none`, so reading never widens a key.
impl<'de> Deserialize<'de> for Permissions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Levels;
        impl<'de> Visitor<'de> for Levels {
            type Value = Permissions;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of resource to none, read or write")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Permissions, A::Error> {
                let mut out = Permissions::default();
                while let Some((name, level)) = map.next_entry::<String, String>()? {
                    let level = Level::parse(&level).ok_or_else(|| {
                        serde::de::Error::custom(format!("unknown permission level {level}"))
                    })?;
                    if let Some(resource) = Resource::parse(&name) {
                        out.0[resource.index()] = level;
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(Levels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn write_includes_read_and_levels_are_per_resource() {
        let p = Permissions::default()
            .with(Resource::Payments, Level::Write)
            .with(Resource::Logs, Level::Read);
        assert!(p.allows(Permission::read(Resource::Payments)));
        assert!(p.allows(Permission::write(Resource::Payments)));
        assert!(p.allows(Permission::read(Resource::Logs)));
        assert!(!p.allows(Permission::write(Resource::Logs)));
        assert!(!p.allows(Permission::read(Resource::Webhooks)));
    }

    #[test]
    fn the_fixed_scopes_are_what_they_always_allowed() {
        for r in Resource::ALL {
            assert!(Permissions::full().allows(Permission::write(r)));
            assert!(!Permissions::read_only().allows(Permission::write(r)));
        }
        assert!(Permissions::read_only().allows(Permission::read(Resource::Logs)));
        assert!(!Permissions::read_only().allows(Permission::read(Resource::Keys)));
    }

    #[test]
    fn a_key_cannot_grant_what_it_lacks() {
        let mine = Permissions::default()
            .with(Resource::Keys, Level::Write)
            .with(Resource::Payments, Level::Read);
        let asked = Permissions::default().with(Resource::Payments, Level::Write);
        assert_eq!(
            mine.first_missing(&asked).map(|p| p.to_string()),
            Some("payments:write".into())
        );
        assert_eq!(mine.first_missing(&mine), None);
        assert_eq!(
            mine.first_missing(&Permissions::full())
                .map(|p| p.to_string()),
            Some("payments:write".into())
        );
    }

    #[test]
    fn parsing_names_each_bad_field() {
        let mut errors = FieldErrorsBuilder::default();
        let parsed = Permissions::parse(
            &json!({"payments": "write", "wallets": "read", "logs": "admin"}),
            &mut errors,
        );
        assert!(parsed.is_none());
        assert!(errors.has("permissions.wallets"));
        assert!(errors.has("permissions.logs"));
        assert!(!errors.has("permissions.payments"));

        let mut errors = FieldErrorsBuilder::default();
        assert!(Permissions::parse(&json!({"payments": "none"}), &mut errors).is_none());
        assert!(errors.has("permissions"));
        let mut errors = FieldErrorsBuilder::default();
        assert!(Permissions::parse(&json!(["payments"]), &mut errors).is_none());
        assert!(errors.has("permissions"));

        let mut errors = FieldErrorsBuilder::default();
        let p = Permissions::parse(&json!({"payments": "write"}), &mut errors).unwrap();
        assert!(errors.is_empty());
        assert_eq!(p.to_json()["refunds"], "none");
        assert_eq!(p.to_json()["payments"], "write");
    }

    #[test]
    fn stored_permissions_round_trip_and_unknown_resources_grant_nothing() {
        let p = Permissions::default().with(Resource::Webhooks, Level::Read);
        let back: Permissions = serde_json::from_value(serde_json::to_value(p).unwrap()).unwrap();
        assert_eq!(back, p);
        let newer: Permissions =
            serde_json::from_value(json!({"webhooks": "read", "payouts": "write"})).unwrap();
        assert_eq!(newer, p);
    }
}
