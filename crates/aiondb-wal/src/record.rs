//! Record framing: how one record is laid out in the byte stream.
//!
//! ```text
//! offset  size  field
//!      0     4  total length of the framed record (header + payload), u32 LE
//!      4     4  CRC32 over bytes [0..4) ++ [8..len), u32 LE
//!      8     8  the record's own LSN, u64 LE
//!     16     1  kind (never 0)
//!     17   len-17  payload
//! ```

use aiondb_core::{DbError, DbResult, Lsn};

/// Bytes of framing in front of every payload.
pub const RECORD_HEADER_LEN: usize = 17;

/// The largest payload one record may carry.
pub const MAX_RECORD_PAYLOAD: usize = 256 * 1024 * 1024;

/// Largest framed length (header + payload).
pub(crate) const MAX_FRAMED_LEN: usize = RECORD_HEADER_LEN + MAX_RECORD_PAYLOAD;

/// A record as read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Where the record starts.
    pub lsn: Lsn,
    /// Caller-defined record type (never 0).
    pub kind: u8,
    /// The caller's bytes.
    pub payload: Vec<u8>,
}

impl Record {
    /// The LSN just past this record: the next record's LSN.
    pub fn end(&self) -> Lsn {
        self.lsn.advance(framed_len(self.payload.len()) as u64)
    }
}

/// Framed length of a record carrying `payload_len` bytes.
pub(crate) fn framed_len(payload_len: usize) -> usize {
    RECORD_HEADER_LEN + payload_len
}

/// Checks what `append` accepts.
pub(crate) fn validate(kind: u8, payload_len: usize) -> DbResult<()> {
    if kind == 0 {
        return Err(DbError::internal("wal record kind 0 is reserved"));
    }
    if payload_len > MAX_RECORD_PAYLOAD {
        return Err(DbError::internal(format!(
            "wal record payload of {payload_len} bytes exceeds the maximum of {MAX_RECORD_PAYLOAD}"
        )));
    }
    Ok(())
}

/// Appends the framed record to `out`. The caller has validated kind and size.
pub(crate) fn encode_into(out: &mut Vec<u8>, lsn: Lsn, kind: u8, payload: &[u8]) {
    let len = framed_len(payload.len()) as u32;
    let start = out.len();
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&[0u8; 4]);
    out.extend_from_slice(&lsn.0.to_le_bytes());
    out.push(kind);
    out.extend_from_slice(payload);
    let crc = checksum(&out[start..]);
    out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
}

/// CRC32 over a whole framed record, skipping the CRC field itself.
fn checksum(framed: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&framed[0..4]);
    h.update(&framed[8..]);
    h.finalize()
}

/// Reads the length field of a record header, if `bytes` holds at least 4 bytes.
pub(crate) fn length_field(bytes: &[u8]) -> Option<usize> {
    let b: [u8; 4] = bytes.get(0..4)?.try_into().ok()?;
    Some(u32::from_le_bytes(b) as usize)
}

/// Reads the LSN field of a record header, if present.
pub(crate) fn lsn_field(bytes: &[u8]) -> Option<u64> {
    let b: [u8; 8] = bytes.get(8..16)?.try_into().ok()?;
    Some(u64::from_le_bytes(b))
}

/// Is `len` a plausible framed length?
pub(crate) fn plausible_len(len: usize) -> bool {
    (RECORD_HEADER_LEN..=MAX_FRAMED_LEN).contains(&len)
}

/// Why a record failed to decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Invalid {
    BadLength(usize),
    Truncated,
    Checksum,
    LsnMismatch(u64),
    ZeroKind,
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Invalid::BadLength(n) => write!(f, "invalid record length {n}"),
            Invalid::Truncated => write!(f, "record truncated"),
            Invalid::Checksum => write!(f, "record checksum mismatch"),
            Invalid::LsnMismatch(l) => write!(f, "record carries LSN {} instead", Lsn(*l)),
            Invalid::ZeroKind => write!(f, "record kind 0"),
        }
    }
}

/// Decodes the complete framed record in `framed` (exactly its length) that
/// should sit at `lsn`.
pub(crate) fn decode(framed: &[u8], lsn: Lsn) -> Result<Record, Invalid> {
    let len = length_field(framed).ok_or(Invalid::Truncated)?;
    if !plausible_len(len) {
        return Err(Invalid::BadLength(len));
    }
    if framed.len() < len {
        return Err(Invalid::Truncated);
    }
    let framed = &framed[..len];
    let stored = u32::from_le_bytes([framed[4], framed[5], framed[6], framed[7]]);
    if stored != checksum(framed) {
        return Err(Invalid::Checksum);
    }
    let at = lsn_field(framed).ok_or(Invalid::Truncated)?;
    if at != lsn.0 {
        return Err(Invalid::LsnMismatch(at));
    }
    let kind = framed[16];
    if kind == 0 {
        return Err(Invalid::ZeroKind);
    }
    Ok(Record {
        lsn,
        kind,
        payload: framed[RECORD_HEADER_LEN..].to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(lsn: u64, kind: u8, payload: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        encode_into(&mut v, Lsn(lsn), kind, payload);
        v
    }

    #[test]
    fn framing_round_trip() {
        for payload in [&b""[..], b"x", b"hello world", &[7u8; 1000]] {
            let bytes = framed(4242, 9, payload);
            assert_eq!(bytes.len(), framed_len(payload.len()));
            let rec = decode(&bytes, Lsn(4242)).expect("decodes");
            assert_eq!(rec.kind, 9);
            assert_eq!(rec.payload, payload);
            assert_eq!(rec.end(), Lsn(4242 + bytes.len() as u64));
        }
    }

    #[test]
    fn crc_detects_every_single_bit_flip() {
        let bytes = framed(77, 3, b"the quick brown fox");
        for i in 0..bytes.len() * 8 {
            let mut b = bytes.clone();
            b[i / 8] ^= 1 << (i % 8);
            assert!(decode(&b, Lsn(77)).is_err(), "bit {i} flip went undetected");
        }
    }

    #[test]
    fn wrong_position_and_zero_kind_are_invalid() {
        let bytes = framed(100, 1, b"abc");
        assert_eq!(decode(&bytes, Lsn(101)), Err(Invalid::LsnMismatch(100)));
        assert_eq!(decode(&bytes[..10], Lsn(100)), Err(Invalid::Truncated));
        assert_eq!(decode(&[0u8; 32], Lsn(0)), Err(Invalid::BadLength(0)));
        let zero_kind = framed(5, 0, b"");
        assert_eq!(decode(&zero_kind, Lsn(5)), Err(Invalid::ZeroKind));
    }

    #[test]
    fn validate_rejects_kind_zero_and_oversize() {
        assert!(validate(0, 1).is_err());
        assert!(validate(1, MAX_RECORD_PAYLOAD + 1).is_err());
        assert!(validate(1, MAX_RECORD_PAYLOAD).is_ok());
    }
}
