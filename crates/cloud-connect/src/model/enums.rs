//! Enumerations of the Cloud Connected API. Replies may carry values this client does not know
//! yet; they parse into `Unknown(..)` instead of failing. Requests only ever send listed values.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $( $(#[$vdoc:meta])* $variant:ident = $wire:literal ),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vdoc])* $variant, )*
            /// A value this client does not know (only ever read, never sent).
            Unknown(String),
        }

        impl $name {
            /// The wire string.
            pub fn as_str(&self) -> &str {
                match self { $( $name::$variant => $wire, )* $name::Unknown(s) => s }
            }

            /// Parses a wire string; unknown values become `Unknown`.
            pub fn parse(s: &str) -> Self {
                match s { $( $wire => $name::$variant, )* other => $name::Unknown(other.to_owned()) }
            }

            /// Whether this is one of the documented values.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Unknown(_))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Ok($name::parse(&s))
            }
        }
    };
}

wire_enum! {
    /// `license.type` in the Cloud Connected API.
    LicenseType {
        /// `trial`
        Trial = "trial",
        /// `basic`
        Basic = "basic",
        /// `standard`
        Standard = "standard",
        /// `dev`
        Dev = "dev",
        /// `silver`
        Silver = "silver",
        /// `gold`
        Gold = "gold",
        /// `platinum`
        Platinum = "platinum",
        /// `enterprise`
        Enterprise = "enterprise",
    }
}

wire_enum! {
    /// An organization's subscription `state`.
    SubscriptionState {
        /// `trial`
        Trial = "trial",
        /// `active`
        Active = "active",
        /// `inactive`
        Inactive = "inactive",
    }
}

/// A Cloud service that can be turned on and off for a cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    /// AutoOps (monitoring), `auto_ops`.
    AutoOps,
    /// The Elastic Inference Service, `eis`.
    Eis,
}

impl Service {
    /// Both services.
    pub const ALL: [Service; 2] = [Service::AutoOps, Service::Eis];

    /// The wire name (`auto_ops`, `eis`).
    pub fn as_str(self) -> &'static str {
        match self {
            Service::AutoOps => "auto_ops",
            Service::Eis => "eis",
        }
    }

    /// Parses a wire name; anything else is an `invalid_input` error.
    pub fn parse(name: &str) -> crate::Result<Service> {
        match name {
            "auto_ops" => Ok(Service::AutoOps),
            "eis" => Ok(Service::Eis),
            other => Err(crate::Error::invalid_input(format!(
                "unknown service {:?}: expected \"auto_ops\" or \"eis\"",
                truncate(other, 64)
            ))),
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}
