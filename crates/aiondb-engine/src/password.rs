//! Role passwords, kept the way PostgreSQL keeps them with
//! `password_encryption = scram-sha-256`: never the password itself, only a
//! SCRAM-SHA-256 verifier
//!
//! ```text
//!   SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>   (base64 parts)
//!
//!   SaltedPassword = PBKDF2-HMAC-SHA-256(password, salt, iterations)
//!   StoredKey      = SHA-256(HMAC(SaltedPassword, "Client Key"))
//!   ServerKey      = HMAC(SaltedPassword, "Server Key")
//! ```
//!
//! The frontend's SCRAM exchange checks a client's proof against StoredKey
//! and signs with ServerKey, so the verifier is all the server ever needs.
//! A password given already as a verifier (as pg_dump writes them) is stored
//! unchanged.

use aiondb_core::{DbError, DbResult};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// PostgreSQL's default `scram_iterations`.
pub const SCRAM_ITERATIONS: u32 = 4096;

/// HMAC-SHA-256 of `data` under `key`.
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length; the error branch is unreachable.
    match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// The SCRAM-SHA-256 verifier of `password` with the given salt.
pub fn scram_verifier(password: &str, salt: &[u8], iterations: u32) -> String {
    let mut block = salt.to_vec();
    block.extend_from_slice(&1u32.to_be_bytes());
    let mut u = hmac_sha256(password.as_bytes(), &block);
    let mut salted = u.clone();
    for _ in 1..iterations {
        u = hmac_sha256(password.as_bytes(), &u);
        for (s, x) in salted.iter_mut().zip(&u) {
            *s ^= x;
        }
    }
    let client_key = hmac_sha256(&salted, b"Client Key");
    let stored_key = Sha256::digest(&client_key);
    let server_key = hmac_sha256(&salted, b"Server Key");
    format!(
        "SCRAM-SHA-256${iterations}:{}${}:{}",
        B64.encode(salt),
        B64.encode(stored_key),
        B64.encode(server_key)
    )
}

/// Whether `text` has the shape of a SCRAM-SHA-256 verifier.
pub fn is_scram_verifier(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("SCRAM-SHA-256$") else {
        return false;
    };
    let Some((iter_salt, keys)) = rest.split_once('$') else {
        return false;
    };
    let (Some((iter, salt)), Some((stored, server))) =
        (iter_salt.split_once(':'), keys.split_once(':'))
    else {
        return false;
    };
    iter.parse::<u32>().is_ok_and(|i| i > 0)
        && B64.decode(salt).is_ok()
        && B64.decode(stored).is_ok_and(|k| k.len() == 32)
        && B64.decode(server).is_ok_and(|k| k.len() == 32)
}

/// What to store for `PASSWORD 'text'`: a fresh verifier with a random salt,
/// or the text itself when it already is one.
pub fn secret_for(password: &str) -> DbResult<String> {
    if is_scram_verifier(password) {
        return Ok(password.to_string());
    }
    let looks_md5 = password.len() == 35
        && password.starts_with("md5")
        && password[3..].bytes().all(|b| b.is_ascii_hexdigit());
    if looks_md5 {
        return Err(DbError::not_supported(
            "MD5-encrypted passwords are not supported; give the password or a SCRAM-SHA-256 verifier",
        ));
    }
    let salt: [u8; 16] = rand::random();
    Ok(scram_verifier(password, &salt, SCRAM_ITERATIONS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_an_independent_pbkdf2() {
        // Python: hashlib.pbkdf2_hmac("sha256", b"secret", salt, 4096), then
        // the RFC 5802 key derivation.
        assert_eq!(
            scram_verifier("secret", b"0123456789abcdef", 4096),
            "SCRAM-SHA-256$4096:MDEyMzQ1Njc4OWFiY2RlZg==$\
             bpSY5Ze9NUH+I35LC3gVq+DpBfK46iXBxvhAKqVu9pE=:\
             VpYlBuxyzeCI1KnctrefdljpB1mk3Gp7sBI/t11+NkQ="
        );
        assert_ne!(
            scram_verifier("Secret", b"0123456789abcdef", 4096),
            scram_verifier("secret", b"0123456789abcdef", 4096)
        );
    }

    #[test]
    fn given_verifiers_are_kept_and_md5_refused() {
        let v = scram_verifier("x", b"salt", 4096);
        assert_eq!(secret_for(&v).ok(), Some(v.clone()));
        let fresh = secret_for("x").unwrap_or_default();
        assert!(is_scram_verifier(&fresh));
        assert_ne!(fresh, v, "a fresh random salt");
        let md5 = format!("md5{}", "0".repeat(32));
        assert!(secret_for(&md5).is_err());
        assert!(!is_scram_verifier("SCRAM-SHA-256$0:abc$x:y"));
    }
}
