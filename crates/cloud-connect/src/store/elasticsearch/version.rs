//! The store's [`RecordVersion`]: Kibana's `version` string (`elasticsearch.md` §6.6), base64 of
//! `[<_seq_no>,<_primary_term>]`, or [`ABSENT`] when no document exists (the next write is a
//! `_create`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::error::{Error, Result};
use crate::store::RecordVersion;

/// The version of a record that does not exist.
pub const ABSENT: &str = "absent";

/// A document's place in the shard history: `_seq_no` and `_primary_term`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeqNoPrimaryTerm {
    /// `_seq_no`.
    pub seq_no: u64,
    /// `_primary_term`.
    pub primary_term: u64,
}

impl SeqNoPrimaryTerm {
    /// Kibana's `version` string for this pair, as a [`RecordVersion`].
    pub fn to_version(self) -> RecordVersion {
        RecordVersion(STANDARD.encode(format!("[{},{}]", self.seq_no, self.primary_term)))
    }
}

/// Reads a version: `None` for [`ABSENT`], the pair otherwise. Anything else is Kibana's
/// "Invalid version" (`invalid_input`).
pub fn parse(version: &RecordVersion) -> Result<Option<SeqNoPrimaryTerm>> {
    if version.0 == ABSENT {
        return Ok(None);
    }
    let invalid = || Error::invalid_input(format!("Invalid version [{}]", version.0));
    let text = STANDARD
        .decode(version.0.as_bytes())
        .map_err(|_| invalid())?;
    let pair: Vec<u64> = serde_json::from_slice(&text).map_err(|_| invalid())?;
    match pair.as_slice() {
        [seq_no, primary_term] if *primary_term > 0 => Ok(Some(SeqNoPrimaryTerm {
            seq_no: *seq_no,
            primary_term: *primary_term,
        })),
        _ => Err(invalid()),
    }
}

/// The version of no document.
pub fn absent() -> RecordVersion {
    RecordVersion(ABSENT.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kibana_version_strings() {
        let v = SeqNoPrimaryTerm {
            seq_no: 1,
            primary_term: 1,
        }
        .to_version();
        assert_eq!(v.0, "WzEsMV0=");
        assert_eq!(
            parse(&v).ok().flatten(),
            Some(SeqNoPrimaryTerm {
                seq_no: 1,
                primary_term: 1
            })
        );
        assert_eq!(parse(&absent()).ok(), Some(None));
        for bad in ["", "0", "WzEsMSwxXQ==", "WzFd", "not base64!"] {
            let e = parse(&RecordVersion(bad.into())).err().map(|e| e.code());
            assert_eq!(e, Some(crate::ErrorCode::InvalidInput), "{bad}");
        }
    }
}
