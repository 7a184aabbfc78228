//! Folds constant address offsets into Wasm loads: `i32.const C; i32.add;
//! <load offset=O>` becomes `<load offset=O+C>`.
//!
//! LLVM's WebAssembly backend emits the separate add where it has lost the
//! `nuw` flag of an address computation (llvm/llvm-project#187367). A Wasm
//! `i32.add` wraps and a memarg offset does not, so Cranelift cannot fold
//! it back and computes each such address with an instruction of its own:
//! about one a load in the component's hot loops. Folded, flow ran 3–9 %
//! faster (sparse flow 3.45 → 3.26 ms at 800x600, the mean of two runs).
//!
//! The fold is sound for code compiled from Rust: in-bounds pointer
//! arithmetic never wraps. As binaryen does under `--low-memory-unused`,
//! only constants below 1024 are folded, so a sum that did wrap could only
//! have addressed the first KiB of memory.
//!
//! `build.rs` folds the guest component the CLI embeds (the HTTP
//! component stays exactly what `spin build` makes, and `web/` transpiles
//! the guest as cargo builds it); the host's unit tests compile this file
//! too.

use wasm_encoder::Encode;
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasmparser::{BinaryReader, FunctionBody, MemArg, Operator, Parser, Payload};

/// The largest constant folded (exclusive).
const LIMIT: i32 = 1024;

/// Where a component's or a module's sections start (magic and version).
const HEADER: usize = 8;
/// A component's section of one core module.
const COMPONENT_CORE_MODULE: u8 = 1;
/// A module's code section.
const MODULE_CODE: u8 = 10;

/// `bytes` (a component or a core module) with the offsets folded in every
/// top-level core module, and how many loads were folded.
pub fn fold(bytes: &[u8]) -> Result<(Vec<u8>, usize), String> {
    if Parser::is_core_wasm(bytes) {
        return fold_module(bytes);
    }
    if !Parser::is_component(bytes) {
        return Err("neither a Wasm module nor a component".into());
    }
    fold_sections(bytes, COMPONENT_CORE_MODULE, fold_module)
}

/// One core module, folded.
fn fold_module(bytes: &[u8]) -> Result<(Vec<u8>, usize), String> {
    // Only 32-bit memories: a 64-bit one's offsets and adds are i64.
    for payload in Parser::new(0).parse_all(bytes) {
        if let Payload::MemorySection(memories) = payload.map_err(|e| e.to_string())? {
            for memory in memories {
                if memory.map_err(|e| e.to_string())?.memory64 {
                    return Ok((bytes.to_vec(), 0));
                }
            }
        }
    }
    fold_sections(bytes, MODULE_CODE, fold_code)
}

/// The code section `content` with every function body folded.
fn fold_code(content: &[u8]) -> Result<(Vec<u8>, usize), String> {
    let mut reader = BinaryReader::new(content, 0);
    let count = reader.read_var_u32().map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    count.encode(&mut out);
    let mut folded = 0;
    for _ in 0..count {
        let size = reader.read_var_u32().map_err(|e| e.to_string())? as usize;
        let mut body = reader.read_bytes(size).map_err(|e| e.to_string())?.to_vec();
        // Again until nothing folds: `i32.const 1; i32.add; i32.const 2;
        // i32.add; load` folds the 2 first, and then the 1.
        loop {
            let (next, n) = fold_body(&body)?;
            if n == 0 {
                break;
            }
            (body, folded) = (next, folded + n);
        }
        body.len().encode(&mut out);
        out.extend_from_slice(&body);
    }
    Ok((out, folded))
}

/// One function body (locals, then instructions), folded. Instructions
/// that do not fold are copied byte for byte.
fn fold_body(body: &[u8]) -> Result<(Vec<u8>, usize), String> {
    let err = |e: wasmparser::BinaryReaderError| e.to_string();
    let function = FunctionBody::new(BinaryReader::new(body, 0));
    let mut locals = function.get_locals_reader().map_err(err)?;
    for _ in 0..locals.get_count() {
        locals.read().map_err(err)?;
    }
    let code_start = locals.original_position();
    let mut operators = function.get_operators_reader().map_err(err)?;
    // Each instruction with the offset where it starts.
    let mut instructions = Vec::new();
    while !operators.eof() {
        instructions.push(operators.read_with_offset().map_err(err)?);
    }
    let mut out = body[..code_start].to_vec();
    let mut folded = 0;
    let mut i = 0;
    while i < instructions.len() {
        if let [
            (Operator::I32Const { value }, _),
            (Operator::I32Add, _),
            (load, _),
            ..,
        ] = &instructions[i..]
            && (0..LIMIT).contains(value)
            && let Some(shifted) = with_offset(load, *value as u64)
        {
            let instruction = RoundtripReencoder
                .instruction(shifted)
                .map_err(|e| e.to_string())?;
            instruction.encode(&mut out);
            folded += 1;
            i += 3;
            continue;
        }
        let start = instructions[i].1;
        let end = instructions
            .get(i + 1)
            .map_or(body.len(), |&(_, next)| next);
        out.extend_from_slice(&body[start..end]);
        i += 1;
    }
    Ok((out, folded))
}

/// `op` with `add` more in its offset, if `op` is a load whose one operand
/// is the address (not a lane load, which takes a vector after it) and the
/// offset stays within 32 bits.
fn with_offset(op: &Operator<'_>, add: u64) -> Option<Operator<'static>> {
    let moved = |memarg: &MemArg| {
        let offset = memarg.offset.checked_add(add)?;
        (offset <= u64::from(u32::MAX)).then_some(MemArg { offset, ..*memarg })
    };
    macro_rules! loads {
        ($($load:ident)*) => {
            match op {
                $(Operator::$load { memarg } => Some(Operator::$load { memarg: moved(memarg)? }),)*
                _ => None,
            }
        };
    }
    loads!(
        I32Load I64Load F32Load F64Load
        I32Load8S I32Load8U I32Load16S I32Load16U
        I64Load8S I64Load8U I64Load16S I64Load16U I64Load32S I64Load32U
        V128Load V128Load8x8S V128Load8x8U V128Load16x4S V128Load16x4U
        V128Load32x2S V128Load32x2U V128Load8Splat V128Load16Splat
        V128Load32Splat V128Load64Splat V128Load32Zero V128Load64Zero
    )
}

/// `bytes` (a module or a component) with the content of each of its
/// sections `id` replaced by what `fold_content` makes of it, and the sum
/// of the counts it answers; every other section copied as it is.
fn fold_sections(
    bytes: &[u8],
    id: u8,
    fold_content: impl Fn(&[u8]) -> Result<(Vec<u8>, usize), String>,
) -> Result<(Vec<u8>, usize), String> {
    let mut out = bytes.get(..HEADER).ok_or("too short for Wasm")?.to_vec();
    let mut folded = 0;
    let mut reader = BinaryReader::new(&bytes[HEADER..], HEADER);
    while !reader.eof() {
        let start = reader.original_position();
        let section_id = reader.read_u8().map_err(|e| e.to_string())?;
        let size = reader.read_var_u32().map_err(|e| e.to_string())? as usize;
        let content = reader.read_bytes(size).map_err(|e| e.to_string())?;
        if section_id == id {
            let (content, n) = fold_content(content)?;
            folded += n;
            section(&mut out, id, &content);
        } else {
            out.extend_from_slice(&bytes[start..reader.original_position()]);
        }
    }
    Ok((out, folded))
}

/// Writes a section: its id, its size, its content.
fn section(out: &mut Vec<u8>, id: u8, content: &[u8]) {
    out.push(id);
    content.len().encode(out);
    out.extend_from_slice(content);
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_encoder::{
        CodeSection, ExportKind, ExportSection, Function, FunctionSection, Instruction,
        MemorySection, MemoryType, Module, TypeSection, ValType,
    };

    /// A module whose one export, `f(i32) -> i32`, runs `body`, with one
    /// page of memory holding bytes 0, 1, 2, … .
    fn module(body: &[Instruction<'_>]) -> Vec<u8> {
        let mut module = Module::new();
        let mut types = TypeSection::new();
        types.ty().function([ValType::I32], [ValType::I32]);
        module.section(&types);
        let mut functions = FunctionSection::new();
        functions.function(0);
        module.section(&functions);
        let mut memories = MemorySection::new();
        memories.memory(MemoryType {
            minimum: 1,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        module.section(&memories);
        let mut exports = ExportSection::new();
        exports.export("f", ExportKind::Func, 0);
        module.section(&exports);
        let mut code = CodeSection::new();
        let mut function = Function::new([(1, ValType::I32)]);
        for instruction in body {
            function.instruction(instruction);
        }
        function.instruction(&Instruction::End);
        code.function(&function);
        module.section(&code);
        let mut data = wasm_encoder::DataSection::new();
        data.active(
            0,
            &wasm_encoder::ConstExpr::i32_const(0),
            (0..4096).map(|i| i as u8).collect::<Vec<u8>>(),
        );
        module.section(&data);
        module.finish()
    }

    /// The instructions of the module's one function.
    fn instructions(module: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        for payload in Parser::new(0).parse_all(module) {
            if let Payload::CodeSectionEntry(body) = payload.unwrap() {
                let mut operators = body.get_operators_reader().unwrap();
                while !operators.eof() {
                    out.push(format!("{:?}", operators.read().unwrap()));
                }
            }
        }
        out
    }

    /// `f(x)` in Wasmtime.
    fn call(module: &[u8], x: i32) -> i32 {
        let engine = wasmtime::Engine::default();
        let module = wasmtime::Module::new(&engine, module).unwrap();
        let mut store = wasmtime::Store::new(&engine, ());
        let instance = wasmtime::Instance::new(&mut store, &module, &[]).unwrap();
        let f = instance
            .get_typed_func::<i32, i32>(&mut store, "f")
            .unwrap();
        f.call(&mut store, x).unwrap()
    }

    fn memarg(offset: u64) -> wasm_encoder::MemArg {
        wasm_encoder::MemArg {
            offset,
            align: 0,
            memory_index: 0,
        }
    }

    /// Folds the module of `body`, checks that `folds` loads folded, that
    /// it is valid and that Wasmtime computes the same `f(x)` before and
    /// after; the folded function's instructions.
    fn fold_checked(body: &[Instruction<'_>], folds: usize) -> Vec<String> {
        let before = module(body);
        let (after, folded) = fold(&before).unwrap();
        assert_eq!(folded, folds);
        wasmparser::Validator::new().validate_all(&after).unwrap();
        for x in [0, 1, 5, 7, 100, 2000, 3000] {
            assert_eq!(call(&before, x), call(&after, x), "f({x})");
        }
        instructions(&after)
    }

    #[test]
    fn a_constant_added_to_an_address_moves_into_the_load() {
        let text = fold_checked(
            &[
                Instruction::LocalGet(0),
                Instruction::I32Const(16),
                Instruction::I32Add,
                Instruction::I32Load(memarg(4)),
                // A second, as a sum's operand.
                Instruction::LocalGet(0),
                Instruction::I32Const(1000),
                Instruction::I32Add,
                Instruction::I32Load8U(memarg(0)),
                Instruction::I32Add,
            ],
            2,
        );
        assert_eq!(text.len(), 6, "{text:?}");
        assert!(text[1].contains("I32Load {") && text[1].contains("offset: 20"));
        assert!(text[3].contains("I32Load8U") && text[3].contains("offset: 1000"));
    }

    #[test]
    fn chained_constants_fold_one_after_the_other() {
        let text = fold_checked(
            &[
                Instruction::LocalGet(0),
                Instruction::I32Const(1),
                Instruction::I32Add,
                Instruction::I32Const(2),
                Instruction::I32Add,
                Instruction::I32Load16U(memarg(3)),
            ],
            2,
        );
        assert_eq!(text.len(), 3, "{text:?}");
        assert!(text[1].contains("I32Load16U") && text[1].contains("offset: 6"));
    }

    #[test]
    fn what_might_wrap_or_is_not_an_address_stays() {
        for body in [
            // Too large a constant, a negative one.
            vec![
                Instruction::LocalGet(0),
                Instruction::I32Const(1024),
                Instruction::I32Add,
                Instruction::I32Load(memarg(0)),
            ],
            vec![
                Instruction::LocalGet(0),
                Instruction::I32Const(-4),
                Instruction::I32Add,
                Instruction::I32Load(memarg(8)),
            ],
            // The sum is the stored value, not the address.
            vec![
                Instruction::LocalGet(0),
                Instruction::LocalGet(0),
                Instruction::I32Const(8),
                Instruction::I32Add,
                Instruction::I32Store(memarg(0)),
                Instruction::I32Const(0),
            ],
            // The sum goes through a local first.
            vec![
                Instruction::LocalGet(0),
                Instruction::I32Const(8),
                Instruction::I32Add,
                Instruction::LocalTee(1),
                Instruction::I32Load(memarg(0)),
            ],
        ] {
            let before = module(&body);
            let (after, folded) = fold(&before).unwrap();
            assert_eq!((folded, &after), (0, &before));
        }
    }

    #[test]
    fn an_offset_past_32_bits_stays() {
        let before = module(&[
            Instruction::LocalGet(0),
            Instruction::I32Const(8),
            Instruction::I32Add,
            Instruction::I32Load(memarg(u64::from(u32::MAX) - 4)),
        ]);
        assert_eq!(fold(&before).unwrap().1, 0);
    }

    #[test]
    fn the_embedded_guest_is_folded_and_valid() {
        let guest = crate::GUEST_COMPONENT;
        wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
            .validate_all(guest)
            .unwrap();
        // Folded at build time: nothing is left to fold.
        let (again, folded) = fold(guest).unwrap();
        assert_eq!(folded, 0);
        assert!(again == guest, "folding again changed the bytes");
        // The HTTP component, as Spin builds it, still has loads to fold.
        assert!(fold(crate::HTTP_COMPONENT).unwrap().1 > 0);
    }
}
