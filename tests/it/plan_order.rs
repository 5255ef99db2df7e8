//! The order of what a plan lists besides its actions: the reshape into
//! one `PlanPart` per resource (issue 13) must keep it as operators know
//! it. (Action order is the phases' job; see `plan::op::Phase`.)

use crate::signer_kit::Signer;

/// The plan's notes: before the reshape a signer's plan listed the
/// runtime's notes before the wallet's (`notes = runtime.notes;
/// notes.extend(wallet.notes)` in d01d0e3's reconcile/build.rs); the
/// PlanPart merge now puts the wallet's first. Same for warnings.
#[test]
fn plan_notes_list_the_runtime_before_the_wallet() {
    let Some(s) = Signer::new("") else { return };
    std::fs::write(
        &s.manifest,
        s.manifest_text()
            .replace("[wallet]\n", "[wallet]\nauto_unlock = false\n"),
    )
    .unwrap();
    s.apply();
    // The seed moved offline: the wallet's note says so.
    std::fs::rename(s.secrets().join("seed.txt"), s.path("seed.offline")).unwrap();
    let json = s.lsm(&["plan", "--json"]).expect(0).json();
    let notes: Vec<String> = json["notes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|n| n.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let at = |part: &str| notes.iter().position(|n| n.contains(part));
    let runtime = at("auto_unlock is off");
    let wallet = at("is not present; lsm never recreates it");
    assert!(runtime.is_some() && wallet.is_some(), "{notes:#?}");
    assert!(
        runtime < wallet,
        "the runtime's note came first before the reshape: {notes:#?}"
    );
}
