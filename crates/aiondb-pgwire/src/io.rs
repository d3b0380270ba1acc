//! Buffered message I/O over one socket, with pgwire's codec.
//!
//! Reads decode from an input buffer and touch the socket only when the
//! buffer holds no complete message; writes collect in an output buffer
//! that is flushed before every socket read (and on Flush/Sync). So a
//! pipelined batch is answered in one write, and a client waiting for a
//! reply always gets it before the server blocks.

use aiondb_core::{DbError, SqlState};
use bytes::{Buf, BufMut, BytesMut};
use pgwire::messages::response::{ErrorResponse, NoticeResponse};
use pgwire::messages::{
    DecodeContext, PgWireBackendMessage, PgWireFrontendMessage, ProtocolVersion,
};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// Largest frontend message accepted (PostgreSQL's limit: 1 GB - 1).
const MAX_MESSAGE_LEN: i32 = 0x3fff_ffff;

/// Flush the output buffer once it grows past this, even mid-result.
const FLUSH_THRESHOLD: usize = 64 * 1024;

/// What ended a read.
#[derive(Debug)]
pub enum ReadError {
    /// The peer closed the socket or an I/O error happened.
    Closed,
    /// The server is shutting down.
    Shutdown,
    /// The bytes did not form a valid message.
    Protocol(String),
}

/// The socket, before or after a TLS upgrade.
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
    /// Transient state during the upgrade (or after a failed one).
    Gone,
}

fn gone() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::NotConnected, "connection closed")
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            Stream::Gone => Poll::Ready(Err(gone())),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            Stream::Gone => Poll::Ready(Err(gone())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Stream::Gone => Poll::Ready(Err(gone())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            Stream::Gone => Poll::Ready(Ok(())),
        }
    }
}

/// One client connection's framed I/O.
pub struct Conn {
    stream: Stream,
    rbuf: BytesMut,
    wbuf: BytesMut,
    ctx: DecodeContext,
    shutdown: watch::Receiver<bool>,
}

/// ErrorResponse / NoticeResponse fields for a [`DbError`].
pub fn error_fields(err: &DbError, severity: &str) -> Vec<(u8, String)> {
    let mut fields = vec![
        (b'S', severity.to_string()),
        (b'V', severity.to_string()),
        (b'C', err.code.code().to_string()),
        (b'M', err.message.clone()),
    ];
    if let Some(d) = &err.detail {
        fields.push((b'D', d.clone()));
    }
    if let Some(h) = &err.hint {
        fields.push((b'H', h.clone()));
    }
    if let Some(p) = err.position.filter(|&p| p > 0) {
        fields.push((b'P', p.to_string()));
    }
    fields
}

impl Conn {
    pub fn new(stream: TcpStream, shutdown: watch::Receiver<bool>) -> Conn {
        let mut ctx = DecodeContext::new(ProtocolVersion::PROTOCOL3_0);
        ctx.awaiting_frontend_ssl = false;
        ctx.awaiting_frontend_startup = false;
        Conn {
            stream: Stream::Plain(stream),
            rbuf: BytesMut::with_capacity(8192),
            wbuf: BytesMut::with_capacity(8192),
            ctx,
            shutdown,
        }
    }

    /// True once shutdown was requested.
    pub fn shutting_down(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// Reads more bytes into the input buffer (flushing output first).
    async fn fill(&mut self) -> Result<(), ReadError> {
        self.flush().await.map_err(|_| ReadError::Closed)?;
        if self.shutting_down() {
            return Err(ReadError::Shutdown);
        }
        let mut shutdown = self.shutdown.clone();
        tokio::select! {
            n = self.stream.read_buf(&mut self.rbuf) => match n {
                Ok(0) | Err(_) => Err(ReadError::Closed),
                Ok(_) => Ok(()),
            },
            _ = shutdown.wait_for(|v| *v) => Err(ReadError::Shutdown),
        }
    }

    /// Reads one untyped startup-phase packet (length-prefixed, no type
    /// byte): returns its body.
    pub async fn read_startup_packet(&mut self) -> Result<Vec<u8>, ReadError> {
        loop {
            if self.rbuf.len() >= 4 {
                let len =
                    i32::from_be_bytes([self.rbuf[0], self.rbuf[1], self.rbuf[2], self.rbuf[3]]);
                if !(8..=10_000).contains(&len) {
                    return Err(ReadError::Protocol(
                        "invalid length of startup packet".into(),
                    ));
                }
                let len = len as usize;
                if self.rbuf.len() >= len {
                    self.rbuf.advance(4);
                    return Ok(self.rbuf.split_to(len - 4).to_vec());
                }
            }
            self.fill().await?;
        }
    }

    /// Bytes a client pipelined behind the packet just read (TLS upgrade
    /// must refuse those).
    pub fn has_buffered_input(&self) -> bool {
        !self.rbuf.is_empty()
    }

    /// Runs the TLS handshake on the plain socket (after 'S' was sent).
    pub async fn upgrade_tls(&mut self, acceptor: &TlsAcceptor) -> std::io::Result<()> {
        self.flush().await?;
        match std::mem::replace(&mut self.stream, Stream::Gone) {
            Stream::Plain(tcp) => {
                let tls = acceptor.accept(tcp).await?;
                self.stream = Stream::Tls(Box::new(tls));
                Ok(())
            }
            other => {
                self.stream = other;
                Err(std::io::Error::other("TLS already active"))
            }
        }
    }

    pub fn is_tls(&self) -> bool {
        matches!(self.stream, Stream::Tls(_))
    }

    /// Reads one frontend message.
    ///
    /// Framing is checked here, not by the codec: the codec decodes from
    /// the whole buffer and trusts the body to match the length, so a
    /// truncated or padded message could read into its neighbour or panic.
    /// Each message is cut out by its length first, decoded alone (a panic
    /// in the codec becomes a protocol violation), and must be consumed
    /// exactly.
    pub async fn read_message(&mut self) -> Result<PgWireFrontendMessage, ReadError> {
        loop {
            if self.rbuf.len() >= 5 {
                let len =
                    i32::from_be_bytes([self.rbuf[1], self.rbuf[2], self.rbuf[3], self.rbuf[4]]);
                if !(4..=MAX_MESSAGE_LEN).contains(&len) {
                    return Err(ReadError::Protocol(format!(
                        "invalid message length {len} for message type 0x{:02x}",
                        self.rbuf[0]
                    )));
                }
                let total = 1 + len as usize;
                if self.rbuf.len() >= total {
                    let mut frame = self.rbuf.split_to(total);
                    let kind = frame[0];
                    let ctx = &self.ctx;
                    let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        PgWireFrontendMessage::decode(&mut frame, ctx)
                    }));
                    let invalid = || {
                        ReadError::Protocol(format!(
                            "invalid message format (message type 0x{kind:02x})"
                        ))
                    };
                    return match decoded {
                        Ok(Ok(Some(msg))) if frame.is_empty() => Ok(msg),
                        Ok(Ok(_)) | Err(_) => Err(invalid()),
                        Ok(Err(e)) => Err(ReadError::Protocol(e.to_string())),
                    };
                }
            }
            self.fill().await?;
        }
    }

    /// Queues a message; flushes if the buffer is large.
    pub async fn send(&mut self, msg: PgWireBackendMessage) -> std::io::Result<()> {
        if let Err(e) = msg.encode(&mut self.wbuf) {
            return Err(std::io::Error::other(e.to_string()));
        }
        if self.wbuf.len() >= FLUSH_THRESHOLD {
            self.flush().await?;
        }
        Ok(())
    }

    /// Queues raw bytes (single-byte SSL/GSS answers, pre-encoded rows).
    pub async fn send_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.wbuf.put_slice(bytes);
        if self.wbuf.len() >= FLUSH_THRESHOLD {
            self.flush().await?;
        }
        Ok(())
    }

    /// Writes everything queued.
    pub async fn flush(&mut self) -> std::io::Result<()> {
        if !self.wbuf.is_empty() {
            self.stream.write_all(&self.wbuf).await?;
            self.wbuf.clear();
            self.stream.flush().await?;
        }
        Ok(())
    }

    pub async fn send_error(&mut self, err: &DbError) -> std::io::Result<()> {
        self.send(PgWireBackendMessage::ErrorResponse(ErrorResponse::new(
            error_fields(err, "ERROR"),
        )))
        .await
    }

    pub async fn send_notice(&mut self, err: &DbError) -> std::io::Result<()> {
        // Transaction-state notices (class 25: "there is no transaction in
        // progress"...) are warnings in PostgreSQL.
        let severity = if err.code == SqlState::WARNING || err.code.code().starts_with("25") {
            "WARNING"
        } else {
            "NOTICE"
        };
        self.send(PgWireBackendMessage::NoticeResponse(NoticeResponse::new(
            error_fields(err, severity),
        )))
        .await
    }

    /// Sends a FATAL error and flushes: the caller closes the connection.
    pub async fn send_fatal(&mut self, err: &DbError) -> std::io::Result<()> {
        self.send(PgWireBackendMessage::ErrorResponse(ErrorResponse::new(
            error_fields(err, "FATAL"),
        )))
        .await?;
        self.flush().await
    }

    /// Closes the write side after flushing.
    pub async fn close(&mut self) {
        let _ = self.flush().await;
        let _ = self.stream.shutdown().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_fields_carry_every_part() {
        let e = DbError::unique_violation("t_pkey")
            .with_detail("Key (id)=(1) already exists.")
            .with_hint("h")
            .with_position(7);
        let f = error_fields(&e, "ERROR");
        let get = |c: u8| f.iter().find(|(k, _)| *k == c).map(|(_, v)| v.as_str());
        assert_eq!(get(b'S'), Some("ERROR"));
        assert_eq!(get(b'V'), Some("ERROR"));
        assert_eq!(get(b'C'), Some("23505"));
        assert_eq!(get(b'D'), Some("Key (id)=(1) already exists."));
        assert_eq!(get(b'H'), Some("h"));
        assert_eq!(get(b'P'), Some("7"));
        let plain = error_fields(&DbError::internal("x"), "FATAL");
        assert_eq!(plain.len(), 4);
    }
}
