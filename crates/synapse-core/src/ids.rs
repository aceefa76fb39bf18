//! Validated identities: [`Sha256`] and [`PackName`].
//!
//! Both are parsed once at the edge (CLI argument, JSON file, Tauri command) and
//! passed around typed, so no function deeper in the core ever builds a path
//! from an unchecked string (the seeds' review item R4 was path traversal
//! through pack names).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a string was refused as an identity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Not exactly 64 hexadecimal characters.
    #[error("invalid SHA-256 {input:?}: {reason}")]
    Sha256 { input: String, reason: &'static str },
    /// Not a safe pack directory name.
    #[error("invalid pack name {input:?}: {reason}")]
    PackName { input: String, reason: &'static str },
}

/// A full SHA-256 digest, stored as 64 lowercase hex characters in place
/// (no allocation: a large inventory holds several per blob).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
pub struct Sha256([u8; 64]);

/// Hashes the first 16 hex characters (64 bits of a uniform digest), which is
/// consistent with `Eq` and all a hash map needs.
impl std::hash::Hash for Sha256 {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write(&self.0[..16]);
    }
}

impl Sha256 {
    /// Parses 64 hex characters (any case); the result is lowercase.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let err = |reason| IdError::Sha256 { input: input.to_owned(), reason };
        if input.len() != 64 {
            return Err(err("expected exactly 64 hexadecimal characters"));
        }
        if !input.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(err("only hexadecimal characters 0-9 and a-f are allowed"));
        }
        let mut hex = [0u8; 64];
        hex.copy_from_slice(input.as_bytes());
        hex.make_ascii_lowercase();
        Ok(Self(hex))
    }

    /// Builds the hex form of a finished digest.
    pub fn from_digest(digest: &[u8]) -> Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut hex = [b'0'; 64];
        for (i, b) in digest.iter().take(32).enumerate() {
            hex[2 * i] = HEX[(b >> 4) as usize];
            hex[2 * i + 1] = HEX[(b & 0xf) as usize];
        }
        Self(hex)
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("a Sha256 holds only hex characters")
    }

    /// The two-character fan-out directory (`aa` in `blobs/sha256/aa/<hash>`).
    pub fn fanout(&self) -> &str {
        &self.as_str()[..2]
    }

    /// The first 12 hex characters, the last-resort display name.
    pub fn short(&self) -> &str {
        &self.as_str()[..12]
    }

    /// AutoV2: the first 10 hex characters, upper case, as A1111 and Civitai show them.
    pub fn autov2(&self) -> String {
        self.as_str()[..10].to_ascii_uppercase()
    }

    /// True when `name` is a syntactically valid lowercase blob file name.
    pub(crate) fn is_blob_file_name(name: &str) -> bool {
        name.len() == 64 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    }
}

/// Checks a user-typed hash prefix (8–64 hex characters) and lowercases it.
/// Resolving it to one blob is the caller's job (the inventory knows every hash).
pub fn parse_prefix(input: &str) -> Result<String, IdError> {
    let err = |reason| IdError::Sha256 { input: input.to_owned(), reason };
    if input.len() < 8 || input.len() > 64 {
        return Err(err("give the full 64-character hash or a prefix of at least 8 characters"));
    }
    if !input.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(err("only hexadecimal characters 0-9 and a-f are allowed (search by name to find a model's hash)"));
    }
    Ok(input.to_ascii_lowercase())
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256({})", self.as_str())
    }
}

impl FromStr for Sha256 {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Sha256 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Sha256 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Parsed from the input's own characters: no string is built for a hash.
        struct Hex;
        impl serde::de::Visitor<'_> for Hex {
            type Value = Sha256;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a SHA-256 digest as 64 hexadecimal characters")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Sha256, E> {
                Sha256::parse(s).map_err(E::custom)
            }
        }
        d.deserialize_str(Hex)
    }
}

/// A pack name, which is also a directory name under `state/packs/`.
///
/// 1–128 characters; no `/`, `\` or NUL; not `..` and not starting with `.`;
/// no leading or trailing whitespace; no control characters.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PackName(String);

impl PackName {
    /// The longest name a filesystem accepts for one path component.
    pub(crate) const MAX_BYTES: usize = 255;

    pub fn parse(input: &str) -> Result<Self, IdError> {
        let err = |reason| IdError::PackName { input: input.to_owned(), reason };
        let chars = input.chars().count();
        if chars == 0 {
            return Err(err("a pack name cannot be empty"));
        }
        if chars > 128 {
            return Err(err("a pack name can have at most 128 characters"));
        }
        // The name is a directory on disk: filesystems limit a component to 255 bytes,
        // and 128 characters outside ASCII can exceed that (SPEC §2).
        if input.len() > PackName::MAX_BYTES {
            return Err(err("a pack name can have at most 255 bytes on disk (fewer characters outside ASCII)"));
        }
        if input.contains(['/', '\\']) {
            return Err(err("a pack name cannot contain '/' or '\\'"));
        }
        if input.chars().any(char::is_control) {
            return Err(err("a pack name cannot contain control characters"));
        }
        if input.contains("..") {
            return Err(err("a pack name cannot contain '..'"));
        }
        if input.starts_with('.') {
            return Err(err("a pack name cannot start with '.'"));
        }
        if input.trim() != input {
            return Err(err("a pack name cannot start or end with whitespace"));
        }
        Ok(Self(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PackName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PackName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PackName({:?})", self.0)
    }
}

impl FromStr for PackName {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for PackName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PackName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_accepts_upper_case_and_lowercases() {
        let s = Sha256::parse(&"AB".repeat(32)).unwrap();
        assert_eq!(s.as_str(), "ab".repeat(32));
        assert_eq!(s.fanout(), "ab");
    }

    #[test]
    fn sha256_rejects_traversal_and_wrong_lengths() {
        for bad in ["", "abc", "../../etc/passwd", &"g".repeat(64), &"a".repeat(65), &format!("../{}", "a".repeat(61))] {
            assert!(Sha256::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn prefix_needs_eight_hex_characters() {
        assert!(parse_prefix("abcdef1").is_err());
        assert_eq!(parse_prefix("ABCDEF12").unwrap(), "abcdef12");
        assert!(parse_prefix("abcdefg1").is_err());
    }

    #[test]
    fn pack_names_reject_traversal() {
        for bad in ["", "..", "../x", "a/b", "a\\b", ".hidden", " x", "x ", "a\0b", "x..y", &"n".repeat(129)] {
            assert!(PackName::parse(bad).is_err(), "{bad:?} was accepted");
        }
        for good in ["Juggernaut_XL", "SDXL Lightning (4 step)", "a", "Ünïcode-名前", &"n".repeat(128)] {
            assert!(PackName::parse(good).is_ok(), "{good:?} was refused");
        }
    }
}
