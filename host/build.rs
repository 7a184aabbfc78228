//! Builds the Wasm components (release, wasm32-wasip2) with a nested cargo
//! and leaves them in OUT_DIR for `include_bytes!`, so that nobody ever
//! builds or copies a `.wasm` by hand.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// (package, artifact name) of every component the host embeds.
const COMPONENTS: &[(&str, &str)] = &[
    ("ghostlines-guest", "ghostlines_guest.wasm"),
    ("ghostlines-http", "ghostlines_http.wasm"),
    ("ghostlines-example-vectors", "ghostlines-vectors.wasm"),
];

/// What the components are built from; a change to any of these reruns us.
const INPUTS: &[&str] = &[
    "wit",
    "core",
    "guest",
    "http",
    "examples",
    "Cargo.toml",
    "Cargo.lock",
    ".cargo/config.toml",
    "rust-toolchain.toml",
];

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir
        .parent()
        .expect("host/ lives in the workspace root");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    for input in INPUTS {
        println!("cargo:rerun-if-changed={}", root.join(input).display());
    }

    ensure_wasm_target();

    // Its own target directory: the outer build holds the lock on ours.
    let target_dir = wasm_target_dir(&out_dir);
    // One cargo run a component, so that each resolves its features alone,
    // exactly as `spin build` (spin.toml's build command) does.
    for (package, _) in COMPONENTS {
        build_component(root, &target_dir, package);
    }

    // The precompiled-component cache keys on the wasmtime version.
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).expect("Cargo.lock is readable");
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("\nname = \"wasmtime\"\n"))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")))
        .map(|v| v.trim_end_matches('"').to_string())
        .expect("Cargo.lock lists wasmtime");
    println!("cargo:rustc-env=GHOSTLINES_WASMTIME_VERSION={version}");

    // How the host (and the native `core` it benches against) is compiled,
    // for the bench's header.
    let flags = env::var("CARGO_ENCODED_RUSTFLAGS")
        .unwrap_or_default()
        .split('\x1f')
        .filter(|f| !f.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    println!("cargo:rustc-env=GHOSTLINES_HOST_RUSTFLAGS={flags}");

    // The WIT package in its binary form (what `wasm-tools component wit
    // --wasm` makes), for `ghostlines components`: other hosts' tools read
    // it without a parser of WIT text.
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = resolve
        .push_dir(root.join("wit"))
        .unwrap_or_else(|e| panic!("wit/ does not parse: {e:?}"));
    let wit_binary = wit_component::encode(&resolve, package)
        .unwrap_or_else(|e| panic!("could not encode the WIT package: {e:?}"));
    std::fs::write(out_dir.join("ghostlines-image.wasm"), wit_binary)
        .unwrap_or_else(|e| panic!("could not write the WIT package: {e}"));

    println!("cargo:rerun-if-changed=build/offsets.rs");
    for (package, artifact) in COMPONENTS {
        let built = target_dir.join(WASM_TARGET).join("release").join(artifact);
        let mut bytes = std::fs::read(&built)
            .unwrap_or_else(|e| panic!("could not read {}: {e}", built.display()));
        // The guest with its constant address offsets folded into the
        // loads (see offsets.rs), then validated again. The HTTP component
        // stays byte for byte what `spin build` makes: serve runs what
        // Spin runs.
        if *package == "ghostlines-guest" {
            bytes = offsets::fold(&bytes)
                .unwrap_or_else(|e| panic!("could not fold the offsets of {artifact}: {e}"))
                .0;
            wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
                .validate_all(&bytes)
                .unwrap_or_else(|e| panic!("{artifact} is invalid after folding offsets: {e}"));
        }
        std::fs::write(out_dir.join(artifact), bytes)
            .unwrap_or_else(|e| panic!("could not write {artifact}: {e}"));
    }

    // The example's imports filled with the (folded) guest: one command
    // component, as `wac plug ghostlines-vectors.wasm --plug
    // ghostlines_guest.wasm` makes it.
    let read = |name: &str| std::fs::read(out_dir.join(name)).expect("written above");
    let composed = plug(
        read("ghostlines-vectors.wasm"),
        read("ghostlines_guest.wasm"),
    )
    .unwrap_or_else(|e| panic!("could not compose the example with the guest: {e:?}"));
    std::fs::write(out_dir.join("ghostlines-vectors-composed.wasm"), composed)
        .unwrap_or_else(|e| panic!("could not write the composed example: {e}"));
}

/// `socket` with every import that `plug` exports filled by it (wac-graph,
/// the library behind `wac plug`).
fn plug(socket: Vec<u8>, plug: Vec<u8>) -> anyhow::Result<Vec<u8>> {
    use wac_graph::{CompositionGraph, EncodeOptions, types::Package};
    let mut graph = CompositionGraph::new();
    let socket = Package::from_bytes(
        "ghostlines:example-vectors",
        None,
        socket,
        graph.types_mut(),
    )?;
    let socket = graph.register_package(socket)?;
    let plug = Package::from_bytes("ghostlines:image", None, plug, graph.types_mut())?;
    let plug = graph.register_package(plug)?;
    wac_graph::plug(&mut graph, vec![plug], socket)?;
    Ok(graph.encode(EncodeOptions::default())?)
}

#[path = "build/offsets.rs"]
mod offsets;

/// The Wasm target the components are built for.
const WASM_TARGET: &str = "wasm32-wasip2";

/// Makes sure the toolchain that runs this build has the Wasm target's
/// standard library, before the nested build needs it. rustup installs
/// `rust-toolchain.toml`'s targets only with a toolchain it installs
/// itself, so on a machine whose `stable` was already there the target is
/// missing; we ask rustup for it, for this very toolchain. Without rustup
/// we stop here, with the one command to run, rather than minutes later
/// inside the nested build.
fn ensure_wasm_target() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let libdir = Command::new(&rustc)
        .args(["--print", "target-libdir", "--target", WASM_TARGET])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    if libdir.as_deref().is_some_and(Path::is_dir) {
        return;
    }
    // rustup's proxies name the toolchain they run in RUSTUP_TOOLCHAIN.
    let toolchain = env::var("RUSTUP_TOOLCHAIN").ok();
    let mut rustup = Command::new("rustup");
    rustup.args(["target", "add", WASM_TARGET]);
    if let Some(toolchain) = &toolchain {
        rustup.args(["--toolchain", toolchain]);
    }
    let for_toolchain = toolchain.as_deref().unwrap_or("the active toolchain");
    eprintln!(
        "ghostlines: the {WASM_TARGET} target is missing; installing it with rustup for {for_toolchain}"
    );
    match rustup.status() {
        Ok(status) if status.success() => {
            println!(
                "cargo:warning=installed the {WASM_TARGET} target with rustup for {for_toolchain}"
            );
        }
        outcome => {
            let why = match outcome {
                Ok(status) => format!("`rustup target add` failed ({status})"),
                Err(e) => format!("rustup could not be run ({e})"),
            };
            eprintln!(
                "error: ghostlines builds its components for {WASM_TARGET}, which this Rust \
                 toolchain lacks and {why}: run `rustup target add {WASM_TARGET}` \
                 (or install your distribution's Rust standard library for {WASM_TARGET}), \
                 then build again."
            );
            std::process::exit(1);
        }
    }
}

fn build_component(root: &Path, target_dir: &Path, package: &str) {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .current_dir(root)
        .args(["build", "--release", "--target", WASM_TARGET, "-p", package])
        .arg("--target-dir")
        .arg(target_dir);
    // Cargo sets CARGO_ENCODED_RUSTFLAGS (empty) for build scripts, which
    // would silently drop .cargo/config.toml's `+simd128`; RUSTFLAGS (say, a
    // `target-cpu=native` bench build) is for the host, not for Wasm; and
    // clippy's RUSTC_WORKSPACE_WRAPPER must not leak into this build.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
    ] {
        build.env_remove(var);
    }
    let status = build
        .status()
        .unwrap_or_else(|e| panic!("could not run cargo to build {package}: {e}"));
    assert!(
        status.success(),
        "building {package} for {WASM_TARGET} failed ({status}); the errors are above"
    );
}

/// `<target dir>/wasm-components`: found by walking up from OUT_DIR to the
/// directory cargo marks with CACHEDIR.TAG, so that every profile and
/// every tool (build, test, clippy) shares one incremental Wasm build.
fn wasm_target_dir(out_dir: &Path) -> PathBuf {
    out_dir
        .ancestors()
        .find(|dir| dir.join("CACHEDIR.TAG").is_file())
        .map(|target| target.join("wasm-components"))
        .unwrap_or_else(|| out_dir.join("wasm-components"))
}
