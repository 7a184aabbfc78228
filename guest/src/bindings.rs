//! The bindings generated from `wit/`, the component's export, and their
//! conversions to and from `ghostlines-core`.

// wit-bindgen's generated glue and the export need `unsafe` for the
// canonical ABI; the allow covers this module only.
#![allow(unsafe_code)]

wit_bindgen::generate!({
    world: "ghostlines",
    path: "../wit",
});

use crate::Component;
export!(Component with_types_in crate::bindings);

// Shared with the host, which includes the same file.
mod convert;
