//! The emulator's schema is a subset of Railway's: every type, field,
//! argument and enum value it serves exists in Railway's public schema with
//! the same type and nullability, and no argument Railway requires is missing.
//! Needs `../shared/railway/schema.graphql`; skips (with a message) without it.

use std::collections::HashMap;
use std::path::PathBuf;

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

/// An argument's type and whether it has a default.
type Args = HashMap<String, (String, bool)>;

/// A type's kind and its members: field (or input field, or enum value) →
/// (type, arguments).
#[derive(Debug)]
struct Shape {
    kind: &'static str,
    fields: HashMap<String, (String, Args)>,
}

fn shapes(sdl: &str) -> HashMap<String, Shape> {
    let doc = parse_schema(sdl).expect("SDL parses");
    let mut out = HashMap::new();
    for def in doc.definitions {
        let TypeSystemDefinition::Type(t) = def else {
            continue;
        };
        let t = t.node;
        let mut fields = HashMap::new();
        let kind = match &t.kind {
            TypeKind::Scalar => "scalar",
            TypeKind::Object(_) | TypeKind::Interface(_) => {
                let defs = match &t.kind {
                    TypeKind::Object(o) => &o.fields,
                    TypeKind::Interface(i) => &i.fields,
                    _ => unreachable!("matched above"),
                };
                for f in defs {
                    let args = f
                        .node
                        .arguments
                        .iter()
                        .map(|a| {
                            (
                                a.node.name.node.to_string(),
                                (a.node.ty.node.to_string(), a.node.default_value.is_some()),
                            )
                        })
                        .collect();
                    fields.insert(
                        f.node.name.node.to_string(),
                        (f.node.ty.node.to_string(), args),
                    );
                }
                "object"
            }
            TypeKind::InputObject(i) => {
                for f in &i.fields {
                    fields.insert(
                        f.node.name.node.to_string(),
                        (f.node.ty.node.to_string(), HashMap::new()),
                    );
                }
                "input"
            }
            TypeKind::Enum(e) => {
                for v in &e.values {
                    fields.insert(
                        v.node.value.node.to_string(),
                        (String::new(), HashMap::new()),
                    );
                }
                "enum"
            }
            TypeKind::Union(_) => "union",
        };
        out.insert(t.name.node.to_string(), Shape { kind, fields });
    }
    out
}

fn railway_schema() -> Option<String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        root.join("../shared/railway/schema.graphql"),
        root.join("../../shared/railway/schema.graphql"),
    ];
    candidates
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
}

#[test]
fn emulator_schema_is_a_subset_of_railways() {
    let Some(railway) = railway_schema() else {
        eprintln!("skipping: ../shared/railway/schema.graphql is absent");
        return;
    };
    let theirs = shapes(&railway);
    let ours = shapes(&mirage::emulator::sdl());
    let mut problems = vec![];
    for (name, shape) in &ours {
        let Some(real) = theirs.get(name) else {
            problems.push(format!("type `{name}` is not in Railway's schema"));
            continue;
        };
        if real.kind != shape.kind {
            problems.push(format!(
                "`{name}` is a {} here but a {} in Railway's schema",
                shape.kind, real.kind
            ));
            continue;
        }
        for (field, (ty, args)) in &shape.fields {
            let Some((real_ty, real_args)) = real.fields.get(field) else {
                problems.push(format!("`{name}.{field}` is not in Railway's schema"));
                continue;
            };
            if ty != real_ty {
                problems.push(format!(
                    "`{name}.{field}` is `{ty}` here but `{real_ty}` in Railway's schema"
                ));
            }
            for (arg, (arg_ty, _)) in args {
                match real_args.get(arg) {
                    None => problems.push(format!(
                        "argument `{name}.{field}({arg})` is not in Railway's schema"
                    )),
                    Some((real_arg_ty, _)) if real_arg_ty != arg_ty => problems.push(format!(
                        "argument `{name}.{field}({arg})` is `{arg_ty}` here but `{real_arg_ty}`"
                    )),
                    _ => {}
                }
            }
            for (arg, (real_arg_ty, has_default)) in real_args {
                if real_arg_ty.ends_with('!') && !has_default && !args.contains_key(arg) {
                    problems.push(format!(
                        "required argument `{name}.{field}({arg})` is missing"
                    ));
                }
            }
        }
        if shape.kind == "input" {
            for (field, (real_ty, _)) in &real.fields {
                if real_ty.ends_with('!') && !shape.fields.contains_key(field) {
                    problems.push(format!("required input field `{name}.{field}` is missing"));
                }
            }
        }
    }
    problems.sort();
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(
        ours.len() > 60,
        "the subset covers the operations ({} types)",
        ours.len()
    );
    assert!(
        !ours.contains_key("NoSuchType") && theirs.len() > 500,
        "both schemas were read"
    );
}
