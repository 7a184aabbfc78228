//! `ghostlines components`: the artifacts another Wasm host needs, written
//! out of the runner that embeds them.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// Write what another Wasm host needs into a directory: the component and
/// the HTTP component (byte for byte the ones this runner embeds), the
/// example command built on them (open, and composed), and the WIT package
/// `ghostlines:image`, as text and in binary form.
#[derive(clap::Args)]
pub struct ComponentsCommand {
    /// The directory to write into (made if missing; files of the same
    /// names are replaced).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// (file name under `--out`, bytes, what it is).
pub const ARTIFACTS: &[(&str, &[u8], &str)] = &[
    (
        "ghostlines_guest.wasm",
        crate::GUEST_COMPONENT,
        "the component: exports ghostlines:image (wasmtime run --invoke, jco, wac plug)",
    ),
    (
        "ghostlines_http.wasm",
        crate::HTTP_COMPONENT,
        "the HTTP component: wasi:http/incoming-handler (wasmtime serve -Scli, Spin)",
    ),
    (
        "ghostlines-vectors.wasm",
        crate::EXAMPLE_VECTORS,
        "examples/vectors: a command importing ghostlines:image, for wac plug",
    ),
    (
        "ghostlines-vectors-composed.wasm",
        crate::EXAMPLE_VECTORS_COMPOSED,
        "the same, composed with the component (wasmtime run, any WASI host)",
    ),
    (
        "wit/ghostlines.wit",
        crate::WIT_TEXT.as_bytes(),
        "the WIT package ghostlines:image@0.3.0, as text (wit-bindgen, jco types)",
    ),
    (
        "ghostlines-image.wit.wasm",
        crate::WIT_PACKAGE,
        "the same WIT package, binary (wasm-tools component wit, wkg)",
    ),
];

impl ComponentsCommand {
    pub fn execute(self) -> anyhow::Result<()> {
        for (name, bytes, what) in ARTIFACTS {
            let path = self.out.join(name);
            write(&path, bytes)?;
            println!("{:<40} {:>9} bytes  {what}", path.display(), bytes.len());
        }
        Ok(())
    }
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("could not make the directory {}", dir.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("could not write {}", path.display()))
}
