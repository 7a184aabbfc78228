//! The live page's static files under `/app/`, served by the host itself:
//! the component never gets filesystem access. Only GET and HEAD, only
//! plain files below the app folder (no `..`, no hidden names, no symlinks
//! out of it), a content type from a short list, and nothing else.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use hyper::header::{self, HeaderValue};
use hyper::{Method, StatusCode};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::reply::{error_response, full_body};

/// The URL prefix of the app.
pub const PREFIX: &str = "/app";

/// The largest file served (the transpiled component is about 0.5 MB).
const MAX_FILE_BYTES: u64 = 16 << 20;

/// A folder of static files served at [`PREFIX`].
#[derive(Debug, Clone)]
pub struct StaticFiles {
    root: PathBuf,
}

impl StaticFiles {
    /// Serves `root`, which must be a folder.
    pub fn new(root: &Path) -> anyhow::Result<StaticFiles> {
        let root = root
            .canonicalize()
            .map_err(|e| anyhow::anyhow!("the app folder {}: {e}", root.display()))?;
        anyhow::ensure!(root.is_dir(), "{} is not a folder", root.display());
        Ok(StaticFiles { root })
    }

    /// The folder served.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether `path` (a request path) belongs to the app.
    pub fn claims(path: &str) -> bool {
        path == PREFIX || path.starts_with("/app/")
    }

    /// The answer to a request for `path` (one that [`StaticFiles::claims`]).
    pub async fn respond(&self, method: &Method, path: &str) -> hyper::Response<HyperOutgoingBody> {
        if method != Method::GET && method != Method::HEAD {
            let mut response = error_response(
                405,
                "method-not-allowed",
                &format!("{method} is not allowed on the app's files; use GET"),
            );
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return response;
        }
        if path == PREFIX {
            let mut response = hyper::Response::new(full_body(Bytes::new()));
            *response.status_mut() = StatusCode::PERMANENT_REDIRECT;
            response
                .headers_mut()
                .insert(header::LOCATION, HeaderValue::from_static("/app/"));
            return response;
        }
        let Some(file) = self.resolve(&path[PREFIX.len() + 1..]) else {
            return error_response(404, "not-found", &format!("no such file: {path}"));
        };
        let read = tokio::task::spawn_blocking(move || std::fs::read(&file).map(|b| (file, b)));
        let (file, bytes) = match read.await {
            Ok(Ok(read)) => read,
            Ok(Err(e)) => return error_response(404, "not-found", &format!("{path}: {e}")),
            Err(e) => return error_response(500, "internal", &format!("reading {path}: {e}")),
        };
        let length = bytes.len();
        let body = if method == Method::HEAD {
            Bytes::new()
        } else {
            Bytes::from(bytes)
        };
        let mut response = hyper::Response::new(full_body(body));
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(content_type(&file)),
        );
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        response
    }

    /// The file for `relative` (the path after `/app/`), or `None` when it
    /// is not a plain file inside the root. An empty path or a folder means
    /// its `index.html`.
    fn resolve(&self, relative: &str) -> Option<PathBuf> {
        let mut path = self.root.clone();
        for segment in relative.split('/') {
            if segment.is_empty() {
                continue;
            }
            let plain = !segment.starts_with('.')
                && segment
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            if !plain {
                return None;
            }
            path.push(segment);
        }
        if path.is_dir() {
            path.push("index.html");
        }
        // Symlinks may not lead out of the root.
        let path = path.canonicalize().ok()?;
        let metadata = path.metadata().ok()?;
        (path.starts_with(&self.root) && metadata.is_file() && metadata.len() <= MAX_FILE_BYTES)
            .then_some(path)
    }
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ts") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_files_inside_the_root_resolve() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let root = dir.path().join("app");
        std::fs::create_dir_all(root.join("gen"))?;
        std::fs::write(root.join("index.html"), "<p>")?;
        std::fs::write(root.join("gen/x.js"), "1")?;
        std::fs::write(root.join(".secret"), "no")?;
        std::fs::write(dir.path().join("outside.txt"), "no")?;
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("outside.txt"), root.join("link.txt"))?;
        let files = StaticFiles::new(&root)?;
        let root = files.root().to_path_buf();
        assert_eq!(files.resolve(""), Some(root.join("index.html")));
        assert_eq!(files.resolve("gen/x.js"), Some(root.join("gen/x.js")));
        assert_eq!(files.resolve("gen//x.js"), Some(root.join("gen/x.js")));
        for refused in [
            "../outside.txt",
            "gen/../../outside.txt",
            "%2e%2e/outside.txt",
            ".secret",
            "link.txt",
            "gen/missing.js",
            "gen\\x.js",
            "gen/x.js\0",
        ] {
            assert_eq!(files.resolve(refused), None, "{refused:?}");
        }
        assert_eq!(content_type(Path::new("a.wasm")), "application/wasm");
        assert!(StaticFiles::claims("/app") && StaticFiles::claims("/app/x"));
        assert!(!StaticFiles::claims("/apple") && !StaticFiles::claims("/"));
        Ok(())
    }
}
