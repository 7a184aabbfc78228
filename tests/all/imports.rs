//! Least privilege: neither component imports files, sockets or outgoing
//! HTTP, so no host could grant them by mistake.

use wasmtime::component::Component;
use wasmtime::{Config, Engine};

fn imports(bytes: &[u8]) -> Vec<String> {
    let engine = Engine::new(&Config::new()).unwrap();
    let component = Component::new(&engine, bytes).unwrap();
    component
        .component_type()
        .imports(&engine)
        .map(|(name, _)| name.to_string())
        .collect()
}

const FORBIDDEN: [&str; 3] = [
    "wasi:filesystem/",
    "wasi:sockets/",
    "wasi:http/outgoing-handler",
];

#[test]
fn components_import_no_files_sockets_or_outgoing_http() {
    for (name, bytes) in [
        ("guest", ghostlines::GUEST_COMPONENT),
        ("http", ghostlines::HTTP_COMPONENT),
    ] {
        let imports = imports(bytes);
        println!("{name}: {imports:?}");
        assert!(
            !imports.is_empty(),
            "{name} imports something (wasi:cli at least)"
        );
        for import in &imports {
            assert!(
                !FORBIDDEN.iter().any(|f| import.starts_with(f)),
                "{name} imports {import}"
            );
        }
    }
    // The HTTP component does speak wasi:http, through its handler types.
    assert!(
        imports(ghostlines::HTTP_COMPONENT)
            .iter()
            .any(|i| i.starts_with("wasi:http/types"))
    );
}
