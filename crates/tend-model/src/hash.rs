use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// A hash algorithm pip and the lockfile formats accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HashAlgorithm {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    Blake2b,
}

impl HashAlgorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Md5 => "md5",
            Self::Sha1 => "sha1",
            Self::Sha224 => "sha224",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
            Self::Blake2b => "blake2b",
        }
    }
}

/// A pinned artefact hash such as `sha256:9f86d0…`, the digest in lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hash {
    pub algorithm: HashAlgorithm,
    pub digest: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashParseError {
    #[error("expected `<algorithm>:<hex digest>`, found `{0}`")]
    MissingSeparator(String),
    #[error("unknown hash algorithm `{0}` (expected one of md5, sha1, sha224, sha256, sha384, sha512, blake2b)")]
    UnknownAlgorithm(String),
    #[error("hash digest `{0}` is not hexadecimal")]
    NotHex(String),
}

impl FromStr for Hash {
    type Err = HashParseError;

    /// Accepts `alg:digest` (pip, uv, poetry) and `alg=digest` (RECORD-style URLs' fragments).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (algorithm, digest) = s
            .split_once(':')
            .or_else(|| s.split_once('='))
            .ok_or_else(|| HashParseError::MissingSeparator(s.to_string()))?;
        let algorithm = match algorithm.trim().to_ascii_lowercase().as_str() {
            "md5" => HashAlgorithm::Md5,
            "sha1" => HashAlgorithm::Sha1,
            "sha224" => HashAlgorithm::Sha224,
            "sha256" => HashAlgorithm::Sha256,
            "sha384" => HashAlgorithm::Sha384,
            "sha512" => HashAlgorithm::Sha512,
            "blake2b" => HashAlgorithm::Blake2b,
            other => return Err(HashParseError::UnknownAlgorithm(other.to_string())),
        };
        let digest = digest.trim();
        if digest.is_empty() || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(HashParseError::NotHex(digest.to_string()));
        }
        Ok(Self {
            algorithm,
            digest: digest.to_ascii_lowercase(),
        })
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm.as_str(), self.digest)
    }
}

impl Serialize for Hash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pip_style_hashes() {
        let hash: Hash = "sha256:ABCDEF01".parse().unwrap();
        assert_eq!(hash.algorithm, HashAlgorithm::Sha256);
        assert_eq!(hash.to_string(), "sha256:abcdef01");
    }

    #[test]
    fn rejects_bad_hashes() {
        assert!(matches!(
            "sha256".parse::<Hash>(),
            Err(HashParseError::MissingSeparator(_))
        ));
        assert!(matches!(
            "crc:00".parse::<Hash>(),
            Err(HashParseError::UnknownAlgorithm(_))
        ));
        assert!(matches!(
            "sha256:zz".parse::<Hash>(),
            Err(HashParseError::NotHex(_))
        ));
    }
}
