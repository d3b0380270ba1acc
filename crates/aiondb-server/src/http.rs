//! A minimal HTTP/1.1 endpoint for `/metrics` (Prometheus text) and
//! `/health`. One request per connection; anything else is 404/405.

use std::sync::Arc;
use std::time::Duration;

use aiondb_pgwire::Frontend;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub async fn serve(listener: TcpListener, handle: PrometheusHandle, frontend: Arc<Frontend>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let handle = handle.clone();
                let frontend = Arc::clone(&frontend);
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(
                        Duration::from_secs(5),
                        answer(stream, &handle, &frontend),
                    )
                    .await;
                });
            }
            Err(e) => {
                tracing::warn!("metrics accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// The response for a request line's method and path.
pub fn route(method: &str, path: &str, render: impl FnOnce() -> String) -> (&'static str, String) {
    let path = path.split('?').next().unwrap_or(path);
    match (method, path) {
        ("GET", "/metrics") => ("200 OK", render()),
        ("GET", "/health") => ("200 OK", "ok\n".to_string()),
        (_, "/metrics" | "/health") => ("405 Method Not Allowed", "method not allowed\n".into()),
        _ => ("404 Not Found", "not found\n".into()),
    }
}

async fn answer(mut stream: TcpStream, handle: &PrometheusHandle, frontend: &Frontend) {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let text = String::from_utf8_lossy(&buf);
    let mut words = text.lines().next().unwrap_or("").split_whitespace();
    let method = words.next().unwrap_or("");
    let path = words.next().unwrap_or("");
    let (status, body) = route(method, path, || {
        metrics::gauge!("aiondb_connections_open").set(frontend.active_connections() as f64);
        handle.render()
    });
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(route("GET", "/health", String::new).0, "200 OK");
        assert_eq!(route("GET", "/metrics", || "x 1\n".into()).1, "x 1\n");
        assert_eq!(
            route("POST", "/metrics", String::new).0,
            "405 Method Not Allowed"
        );
        assert_eq!(route("GET", "/nope", String::new).0, "404 Not Found");
    }
}
