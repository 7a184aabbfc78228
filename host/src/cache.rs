//! Precompiled components on disk: a warm start deserialises the component
//! (about a millisecond) instead of compiling it with Cranelift (~90 ms).
//!
//! Files live in `$GHOSTLINES_CACHE_DIR` (empty: no cache), else
//! `$XDG_CACHE_HOME/ghostlines`, else `~/.cache/ghostlines`. A file's name
//! is the SHA-256 of the wasmtime version, the engine's precompilation
//! compatibility hash (its configuration and target) and the component's
//! bytes, so a change to any of them misses. A file that fails to load is
//! replaced.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// The component for `bytes` on `engine`: from the cache when it holds a
/// loadable copy, else compiled (and stored for next time).
pub fn component(engine: &Engine, bytes: &[u8]) -> anyhow::Result<Component> {
    match cache_dir() {
        Some(dir) => component_in(engine, bytes, &dir),
        None => compile(engine, bytes),
    }
}

/// [`component`] with the cache in `dir`: all that a start does to load
/// the component (the bench times it).
pub(crate) fn component_in(engine: &Engine, bytes: &[u8], dir: &Path) -> anyhow::Result<Component> {
    let path = dir.join(format!("{}.cwasm", key(engine, bytes)));
    if path.is_file() {
        match deserialize(engine, &path) {
            Ok(component) => {
                crate::log(&format!("cache hit: {}", path.display()));
                return Ok(component);
            }
            Err(e) => crate::log(&format!("ignoring {}: {e}", path.display())),
        }
    }
    let component = compile(engine, bytes)?;
    match store(&component, dir, &path) {
        Ok(()) => crate::log(&format!("cache miss: compiled into {}", path.display())),
        Err(e) => crate::log(&format!(
            "could not cache the component in {}: {e}",
            dir.display()
        )),
    }
    Ok(component)
}

fn compile(engine: &Engine, bytes: &[u8]) -> anyhow::Result<Component> {
    Component::new(engine, bytes).map_err(anyhow::Error::from)
}

/// Loads a precompiled component.
// Deserialising skips validation: the file must be one that wasmtime wrote
// for this engine. The key above pins version, configuration and input,
// and wasmtime checks its own header; the directory is the user's own, as
// trusted as the binary. Justified by `ghostlines bench`: "load
// precompiled component" against "compile component".
#[allow(unsafe_code)]
fn deserialize(engine: &Engine, path: &Path) -> anyhow::Result<Component> {
    // SAFETY: see above; a file written by `store` for this exact key.
    unsafe { Component::deserialize_file(engine, path) }.map_err(anyhow::Error::from)
}

/// Writes atomically: a unique temporary file renamed into place, so that
/// concurrent runs never read half a file.
fn store(component: &Component, dir: &Path, path: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let serialized = component.serialize().map_err(anyhow::Error::from)?;
    let temporary = dir.join(format!(
        ".{}.{}.tmp",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::write(&temporary, serialized)?;
    std::fs::rename(&temporary, path)?;
    Ok(())
}

fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("GHOSTLINES_CACHE_DIR") {
        return (!dir.is_empty()).then(|| PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("ghostlines"));
    }
    let home = std::env::var_os("HOME").filter(|d| !d.is_empty())?;
    Some(PathBuf::from(home).join(".cache/ghostlines"))
}

/// SHA-256 over what decides whether a precompiled file fits.
fn key(engine: &Engine, bytes: &[u8]) -> String {
    struct Sha(Sha256);
    impl Hasher for Sha {
        fn write(&mut self, bytes: &[u8]) {
            self.0.update(bytes);
        }
        fn finish(&self) -> u64 {
            0
        }
    }
    let mut sha = Sha(Sha256::new());
    sha.write(wasmtime_version().as_bytes());
    engine.precompile_compatibility_hash().hash(&mut sha);
    sha.write(bytes);
    sha.0
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The wasmtime version this binary was built with (from Cargo.lock at
/// build time).
fn wasmtime_version() -> &'static str {
    env!("GHOSTLINES_WASMTIME_VERSION")
}
