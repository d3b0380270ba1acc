//! SCRAM-SHA-256 (RFC 5802 / RFC 7677), server side, against a stored
//! PostgreSQL-format verifier.
//!
//! ```text
//!   client                                   server
//!   SASLInitialResponse  n,,n=,r=<cnonce>  ->
//!                       <- SASLContinue  r=<cnonce><snonce>,s=<salt>,i=<iter>
//!   SASLResponse c=biws,r=<nonce>,p=<proof> ->
//!                       <- SASLFinal  v=<server signature>   (or FATAL 28P01)
//! ```
//!
//! The server never sees the password: it checks that
//! `H(proof XOR HMAC(StoredKey, AuthMessage)) == StoredKey`.
//! Channel binding is not offered (no TLS), so `p=` in the GS2 header is
//! refused and `y,,` is accepted as "client supports it, server does not".

use aiondb_engine::password::hmac_sha256 as hmac;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::{Digest, Sha256};

/// The mechanism name offered in AuthenticationSASL.
pub const MECHANISM: &str = "SCRAM-SHA-256";

/// A parsed `SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>` verifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verifier {
    pub iterations: u32,
    pub salt: Vec<u8>,
    pub stored_key: Vec<u8>,
    pub server_key: Vec<u8>,
}

impl Verifier {
    /// Parses PostgreSQL's verifier text; `None` if it is not one.
    pub fn parse(text: &str) -> Option<Verifier> {
        let rest = text.strip_prefix("SCRAM-SHA-256$")?;
        let (iter_salt, keys) = rest.split_once('$')?;
        let (iter, salt) = iter_salt.split_once(':')?;
        let (stored, server) = keys.split_once(':')?;
        Some(Verifier {
            iterations: iter.parse().ok()?,
            salt: B64.decode(salt).ok()?,
            stored_key: B64.decode(stored).ok()?,
            server_key: B64.decode(server).ok()?,
        })
    }

    /// A verifier no proof matches, used for unknown roles and roles
    /// without a password so that their failure looks like a wrong password.
    pub fn mock(user: &str) -> Verifier {
        let salt = Sha256::digest(format!("aiondb-mock-salt:{user}").as_bytes()).to_vec();
        Verifier {
            iterations: 4096,
            salt: salt[..16].to_vec(),
            stored_key: vec![0; 32],
            server_key: vec![0; 32],
        }
    }
}

/// Why an exchange failed. Every variant ends the connection with 28P01
/// (or 08P01 for malformed messages).
#[derive(Debug, PartialEq, Eq)]
pub enum ScramError {
    /// The client message did not follow RFC 5802.
    Malformed(&'static str),
    /// The proof did not match: wrong password.
    BadProof,
}

/// Server state between the first and the final client message.
pub struct ScramServer {
    verifier: Verifier,
    gs2_header: String,
    client_first_bare: String,
    server_first: String,
    nonce: String,
}

fn attr(part: &str, name: char) -> Option<&str> {
    let mut chars = part.chars();
    if chars.next()? == name && chars.next()? == '=' {
        Some(&part[2..])
    } else {
        None
    }
}

impl ScramServer {
    /// Handles client-first-message; returns the state and server-first-message.
    pub fn start(
        verifier: Verifier,
        client_first: &[u8],
        server_nonce: &str,
    ) -> Result<(ScramServer, String), ScramError> {
        let text = std::str::from_utf8(client_first)
            .map_err(|_| ScramError::Malformed("client-first-message is not UTF-8"))?;
        let mut parts = text.splitn(3, ',');
        let cbind = parts.next().unwrap_or_default();
        let authzid = parts
            .next()
            .ok_or(ScramError::Malformed("missing GS2 header"))?;
        let bare = parts
            .next()
            .ok_or(ScramError::Malformed("missing client-first-message-bare"))?;
        match cbind {
            "n" | "y" => {}
            _ if cbind.starts_with("p=") => {
                return Err(ScramError::Malformed(
                    "channel binding is not supported by this server",
                ));
            }
            _ => return Err(ScramError::Malformed("invalid GS2 channel-binding flag")),
        }
        if !authzid.is_empty() && attr(authzid, 'a').is_none() {
            return Err(ScramError::Malformed("invalid GS2 authzid"));
        }
        let client_nonce = bare
            .split(',')
            .find_map(|p| attr(p, 'r'))
            .filter(|n| !n.is_empty())
            .ok_or(ScramError::Malformed("missing client nonce"))?;
        let nonce = format!("{client_nonce}{server_nonce}");
        let server_first = format!(
            "r={nonce},s={},i={}",
            B64.encode(&verifier.salt),
            verifier.iterations
        );
        let state = ScramServer {
            verifier,
            gs2_header: format!("{cbind},{authzid},"),
            client_first_bare: bare.to_string(),
            server_first: server_first.clone(),
            nonce,
        };
        Ok((state, server_first))
    }

    /// Handles client-final-message; returns server-final-message on success.
    pub fn finish(self, client_final: &[u8]) -> Result<String, ScramError> {
        let text = std::str::from_utf8(client_final)
            .map_err(|_| ScramError::Malformed("client-final-message is not UTF-8"))?;
        let proof_at = text
            .rfind(",p=")
            .ok_or(ScramError::Malformed("missing client proof"))?;
        let without_proof = &text[..proof_at];
        let proof = B64
            .decode(&text[proof_at + 3..])
            .map_err(|_| ScramError::Malformed("client proof is not base64"))?;
        let mut channel = None;
        let mut nonce = None;
        for part in without_proof.split(',') {
            if let Some(c) = attr(part, 'c') {
                channel = Some(c);
            } else if let Some(r) = attr(part, 'r') {
                nonce = Some(r);
            }
        }
        let channel = channel.ok_or(ScramError::Malformed("missing channel binding"))?;
        if B64.decode(channel).ok().as_deref() != Some(self.gs2_header.as_bytes()) {
            return Err(ScramError::Malformed("channel binding does not match"));
        }
        if nonce != Some(self.nonce.as_str()) {
            return Err(ScramError::Malformed("nonce does not match"));
        }
        let auth_message = format!(
            "{},{},{}",
            self.client_first_bare, self.server_first, without_proof
        );
        let client_signature = hmac(&self.verifier.stored_key, auth_message.as_bytes());
        if proof.len() != client_signature.len() {
            return Err(ScramError::BadProof);
        }
        let client_key: Vec<u8> = proof
            .iter()
            .zip(&client_signature)
            .map(|(a, b)| a ^ b)
            .collect();
        let stored = Sha256::digest(&client_key);
        // Constant-time comparison.
        let diff = stored
            .iter()
            .zip(&self.verifier.stored_key)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if diff != 0 || stored.len() != self.verifier.stored_key.len() {
            return Err(ScramError::BadProof);
        }
        let server_signature = hmac(&self.verifier.server_key, auth_message.as_bytes());
        Ok(format!("v={}", B64.encode(server_signature)))
    }
}

/// A fresh random server nonce (printable, no commas).
pub fn server_nonce() -> String {
    let bytes: [u8; 18] = rand::random();
    B64.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use postgres_protocol::authentication::sasl::{ChannelBinding, ScramSha256};

    fn exchange(server_password: &str, client_password: &str) -> Result<(), ScramError> {
        let verifier = Verifier::parse(&aiondb_engine::password::scram_verifier(
            server_password,
            b"0123456789abcdef",
            4096,
        ))
        .ok_or(ScramError::Malformed("verifier"))?;
        let mut client =
            ScramSha256::new(client_password.as_bytes(), ChannelBinding::unsupported());
        let (server, server_first) =
            ScramServer::start(verifier, client.message(), &server_nonce())?;
        client
            .update(server_first.as_bytes())
            .map_err(|_| ScramError::Malformed("client rejected server-first"))?;
        let server_final = server.finish(client.message())?;
        client
            .finish(server_final.as_bytes())
            .map_err(|_| ScramError::Malformed("client rejected server signature"))
    }

    #[test]
    fn right_password_authenticates_both_ways() {
        assert_eq!(exchange("s3cret", "s3cret"), Ok(()));
    }

    #[test]
    fn wrong_password_is_a_bad_proof() {
        assert_eq!(exchange("s3cret", "guess"), Err(ScramError::BadProof));
    }

    #[test]
    fn mock_verifier_never_matches() {
        let mut client = ScramSha256::new(b"", ChannelBinding::unsupported());
        let (server, first) =
            ScramServer::start(Verifier::mock("nobody"), client.message(), "abc").expect("start");
        client.update(first.as_bytes()).expect("update");
        assert_eq!(server.finish(client.message()), Err(ScramError::BadProof));
    }

    #[test]
    fn malformed_messages_are_refused() {
        let v = Verifier::mock("x");
        assert!(ScramServer::start(v.clone(), b"p=tls-server-end-point,,n=,r=a", "b").is_err());
        assert!(ScramServer::start(v.clone(), b"n,,n=", "b").is_err());
        assert!(ScramServer::start(v.clone(), &[0xff, 0xfe], "b").is_err());
        let (s, _) = ScramServer::start(v, b"n,,n=,r=abc", "def").expect("start");
        assert!(s.finish(b"c=biws,r=abcdef").is_err());
        assert!(Verifier::parse("md5abc").is_none());
    }
}
