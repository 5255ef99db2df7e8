//! lsm's top-level modules form layers (src/lib.rs lists them): the plan
//! model below the resources, the resources below observation and
//! reconcile, apply and the commands on top. A module that imports one
//! above it closes a circle; scripts/import-circles.py finds every
//! `crate::x` path between top-level modules (code and doc links, test
//! code left out) and this test fails on any circle.

use std::path::Path;
use std::process::Command;

#[test]
fn top_level_modules_import_each_other_in_no_circle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("python3")
        .arg(root.join("scripts/import-circles.py"))
        .arg("--check")
        .arg(root.join("src"))
        .output()
        .expect("run python3 scripts/import-circles.py");
    assert!(
        out.status.success(),
        "an import circle between top-level modules (`scripts/import-circles.py -v src` names \
         the paths behind each edge):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
