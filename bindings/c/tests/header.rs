//! The committed include/rampart.h against the core: every stable code of the core has
//! its named constant with the same value, and the version macros are Cargo's. A new
//! threat, reason, source or dialect in the core fails here until the C ABI names it
//! (add the variant in bindings/c/src, then run scripts/generate).

use rampart_core::{Dialect, ErrorKind, Reason, Source, Threat};

fn header() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../include/rampart.h");
    std::fs::read_to_string(path).expect("include/rampart.h is committed")
}

/// The value of `name` in the header: `#define NAME value` or `NAME = value,` in an enum.
fn value_of(header: &str, name: &str) -> Option<String> {
    header.lines().find_map(|line| {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("#define ") {
            let (def, value) = rest.split_once(' ')?;
            return (def == name).then(|| value.trim().to_owned());
        }
        let (constant, value) = line.split_once(" = ")?;
        (constant == name).then(|| value.trim_end_matches(',').to_owned())
    })
}

fn assert_constant(header: &str, name: &str, code: u32) {
    assert_eq!(
        value_of(header, name),
        Some(code.to_string()),
        "include/rampart.h needs `{name} = {code}`: add the variant to its enum in bindings/c/src/ \
         (verdict.rs, request.rs, engine.rs or error.rs), then run scripts/generate"
    );
}

#[test]
fn every_core_code_has_its_constant() {
    let header = header();
    for threat in Threat::ALL {
        assert_constant(&header, &format!("RAMPART_THREAT_{}", threat.name().to_ascii_uppercase()), threat.code());
    }
    for reason in Reason::ALL {
        assert_constant(&header, &format!("RAMPART_REASON_{}", reason.name().to_ascii_uppercase()), reason.code());
    }
    for source in Source::ALL {
        assert_constant(&header, &format!("RAMPART_SOURCE_{}", source.name().to_ascii_uppercase()), source.code());
    }
    for dialect in Dialect::ALL {
        assert_constant(&header, &format!("RAMPART_DIALECT_{}", dialect.name().to_ascii_uppercase()), dialect.code());
    }
    for kind in [ErrorKind::InvalidPolicy, ErrorKind::PolicyIo, ErrorKind::InvalidArgument] {
        assert_constant(&header, &format!("RAMPART_STATUS_{}", kind.name().to_ascii_uppercase()), kind.code());
    }
    assert_constant(&header, "RAMPART_THREAT_NONE", 0);
    assert_constant(&header, "RAMPART_REASON_NONE", 0);
    assert_eq!(value_of(&header, "RAMPART_NONE").as_deref(), Some("SIZE_MAX"));
}

#[test]
fn version_macros_are_cargos() {
    let header = header();
    let part = |name: &str| value_of(&header, name).expect("version macro");
    assert_eq!(part("RAMPART_VERSION_MAJOR"), env!("CARGO_PKG_VERSION_MAJOR"));
    assert_eq!(part("RAMPART_VERSION_MINOR"), env!("CARGO_PKG_VERSION_MINOR"));
    assert_eq!(part("RAMPART_VERSION_PATCH"), env!("CARGO_PKG_VERSION_PATCH"));
    assert_eq!(part("RAMPART_ABI_VERSION"), rampart::RAMPART_ABI_VERSION.to_string());
    // RAMPART_VERSION is spelled from the three parts (tests/header.c compares it with
    // the library's rampart_version() in C and C++).
    assert!(header.contains("RAMPART_STRINGIFY(RAMPART_VERSION_MAJOR) \".\""));
}
