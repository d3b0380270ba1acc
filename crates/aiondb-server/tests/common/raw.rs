//! A byte-level PostgreSQL client for protocol corner cases that drivers
//! do not let a test provoke (SSLRequest, pipelines, max_rows, garbage).

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// One backend message: type byte and body.
#[derive(Debug, Clone)]
pub struct Msg {
    pub tag: u8,
    pub body: Vec<u8>,
}

impl Msg {
    /// The ErrorResponse/NoticeResponse field with this code.
    pub fn field(&self, code: u8) -> Option<String> {
        let mut rest = &self.body[..];
        while let Some((&c, tail)) = rest.split_first() {
            if c == 0 {
                break;
            }
            let end = tail.iter().position(|b| *b == 0)?;
            if c == code {
                return Some(String::from_utf8_lossy(&tail[..end]).into_owned());
            }
            rest = &tail[end + 1..];
        }
        None
    }

    /// The SQLSTATE of an ErrorResponse.
    pub fn sqlstate(&self) -> String {
        self.field(b'C').unwrap_or_default()
    }

    /// ParameterStatus (name, value) / CommandComplete tag as strings.
    pub fn cstrings(&self) -> Vec<String> {
        self.body
            .split(|b| *b == 0)
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect()
    }

    /// DataRow fields (None = NULL).
    pub fn data_row(&self) -> Vec<Option<Vec<u8>>> {
        let b = &self.body;
        let n = i16::from_be_bytes([b[0], b[1]]) as usize;
        let mut pos = 2;
        let mut out = Vec::new();
        for _ in 0..n {
            let len = i32::from_be_bytes([b[pos], b[pos + 1], b[pos + 2], b[pos + 3]]);
            pos += 4;
            if len < 0 {
                out.push(None);
            } else {
                out.push(Some(b[pos..pos + len as usize].to_vec()));
                pos += len as usize;
            }
        }
        out
    }
}

pub struct Raw {
    pub stream: TcpStream,
}

fn cstr(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(s.as_bytes());
    out.push(0);
}

pub fn msg(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
    out.extend_from_slice(body);
    out
}

pub fn query(sql: &str) -> Vec<u8> {
    let mut b = Vec::new();
    cstr(&mut b, sql);
    msg(b'Q', &b)
}

pub fn parse(name: &str, sql: &str, oids: &[u32]) -> Vec<u8> {
    let mut b = Vec::new();
    cstr(&mut b, name);
    cstr(&mut b, sql);
    b.extend_from_slice(&(oids.len() as i16).to_be_bytes());
    for o in oids {
        b.extend_from_slice(&o.to_be_bytes());
    }
    msg(b'P', &b)
}

/// Bind with text parameters and the given result formats.
pub fn bind(portal: &str, stmt: &str, params: &[Option<&str>], result_formats: &[i16]) -> Vec<u8> {
    let mut b = Vec::new();
    cstr(&mut b, portal);
    cstr(&mut b, stmt);
    b.extend_from_slice(&0i16.to_be_bytes());
    b.extend_from_slice(&(params.len() as i16).to_be_bytes());
    for p in params {
        match p {
            None => b.extend_from_slice(&(-1i32).to_be_bytes()),
            Some(s) => {
                b.extend_from_slice(&(s.len() as i32).to_be_bytes());
                b.extend_from_slice(s.as_bytes());
            }
        }
    }
    b.extend_from_slice(&(result_formats.len() as i16).to_be_bytes());
    for f in result_formats {
        b.extend_from_slice(&f.to_be_bytes());
    }
    msg(b'B', &b)
}

pub fn describe(kind: u8, name: &str) -> Vec<u8> {
    let mut b = vec![kind];
    cstr(&mut b, name);
    msg(b'D', &b)
}

pub fn execute(portal: &str, max_rows: i32) -> Vec<u8> {
    let mut b = Vec::new();
    cstr(&mut b, portal);
    b.extend_from_slice(&max_rows.to_be_bytes());
    msg(b'E', &b)
}

pub fn close(kind: u8, name: &str) -> Vec<u8> {
    let mut b = vec![kind];
    cstr(&mut b, name);
    msg(b'C', &b)
}

pub fn sync() -> Vec<u8> {
    msg(b'S', &[])
}

pub fn flush() -> Vec<u8> {
    msg(b'H', &[])
}

pub fn copy_data(data: &[u8]) -> Vec<u8> {
    msg(b'd', data)
}

pub fn copy_done() -> Vec<u8> {
    msg(b'c', &[])
}

pub fn copy_fail(why: &str) -> Vec<u8> {
    let mut b = Vec::new();
    cstr(&mut b, why);
    msg(b'f', &b)
}

pub fn startup_packet(params: &[(&str, &str)]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&196_608i32.to_be_bytes());
    for (k, v) in params {
        cstr(&mut b, k);
        cstr(&mut b, v);
    }
    b.push(0);
    let mut out = ((b.len() + 4) as i32).to_be_bytes().to_vec();
    out.extend_from_slice(&b);
    out
}

pub fn special_packet(code: i32, extra: &[i32]) -> Vec<u8> {
    let mut out = ((8 + 4 * extra.len()) as i32).to_be_bytes().to_vec();
    out.extend_from_slice(&code.to_be_bytes());
    for e in extra {
        out.extend_from_slice(&e.to_be_bytes());
    }
    out
}

impl Raw {
    pub fn connect(port: u16) -> Raw {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        Raw { stream }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write");
    }

    /// Reads exactly one byte (SSL/GSS answers).
    pub fn read_byte(&mut self) -> u8 {
        let mut b = [0u8; 1];
        self.stream.read_exact(&mut b).expect("read byte");
        b[0]
    }

    /// Reads one message; None at EOF.
    pub fn recv(&mut self) -> Option<Msg> {
        let mut head = [0u8; 5];
        if self.stream.read_exact(&mut head).is_err() {
            return None;
        }
        let len = i32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
        let mut body = vec![0u8; len - 4];
        self.stream.read_exact(&mut body).ok()?;
        Some(Msg { tag: head[0], body })
    }

    /// Reads messages up to and including ReadyForQuery (or EOF).
    pub fn until_ready(&mut self) -> Vec<Msg> {
        let mut out = Vec::new();
        while let Some(m) = self.recv() {
            let done = m.tag == b'Z';
            out.push(m);
            if done {
                break;
            }
        }
        out
    }

    /// Startup as postgres (trust) and read through ReadyForQuery.
    pub fn startup(port: u16, params: &[(&str, &str)]) -> (Raw, Vec<Msg>) {
        let mut raw = Raw::connect(port);
        raw.send(&startup_packet(params));
        let msgs = raw.until_ready();
        (raw, msgs)
    }
}

/// The type bytes of a message list, as a string ("1 2 T D C Z").
pub fn tags(msgs: &[Msg]) -> String {
    msgs.iter()
        .map(|m| (m.tag as char).to_string())
        .collect::<Vec<_>>()
        .join(" ")
}
