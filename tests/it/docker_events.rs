//! The event recorder: it sees the mutations apply makes, and sees no
//! mutation while lsm only observes (the basis of the "second apply makes
//! zero mutating calls" tests).

use crate::docker_support;

use docker_support::{basic_spec, conf_file, engine, guard, provision};
use lsm_docker::events::{Event, EventFilter, EventRecorder};
use lsm_docker::labels;

fn actions(events: &[Event], kind: &str) -> Vec<String> {
    events
        .iter()
        .filter(|e| e.kind == kind)
        .map(|e| e.action.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorder_sees_apply_mutations_and_nothing_during_observation() {
    let Some(w) = engine().await else { return };
    let spec = basic_spec("events").with_lsm_labels("events-signer", &[]);
    let _cleanup = guard(&spec);
    let filters = vec![
        EventFilter::container(&spec.name),
        EventFilter::volume(&spec.volume.name),
    ];

    // 1. What an apply does is recorded, in order.
    let rec = EventRecorder::start(w.reader(), filters.clone())
        .await
        .unwrap();
    let conf = conf_file("/root/.lnd/lnd.conf", b"x");
    provision(&w, &spec, "events-signer", &[conf], true).await;
    let events = rec.stop().await.unwrap();
    let container = actions(&events, "container");
    assert!(container.contains(&"create".to_string()), "{events:#?}");
    assert!(container.contains(&"start".to_string()), "{events:#?}");
    assert!(
        container.contains(&"extract-to-dir".to_string()),
        "{events:#?}"
    );
    let pos = |a: &str| container.iter().position(|x| x == a).unwrap();
    assert!(pos("create") < pos("start"));
    assert!(
        actions(&events, "volume").contains(&"create".to_string()),
        "{events:#?}"
    );

    // 2. Pure observation: the recorder is live (it sees the archive read)
    //    but nothing mutating happens, and the writer's counters agree.
    let before = w.stats();
    let rec = EventRecorder::start(w.reader(), filters).await.unwrap();
    let r = w.reader();
    r.observe_all(
        &spec.name,
        &spec.volume.name,
        &spec.image,
        &["/root/.lnd/lnd.conf"],
        &[],
    )
    .await
    .unwrap();
    r.list_managed(Some("events-signer")).await.unwrap();
    r.logs_tail(&spec.name, 10).await.unwrap();
    r.engine_version().await.unwrap();
    // An idempotent ensure_volume is observation too.
    w.ensure_volume(
        &spec.volume.name,
        &labels::ownership_labels("events-signer"),
    )
    .await
    .unwrap();
    let events = rec.stop().await.unwrap();
    let mutating: Vec<&Event> = events.iter().filter(|e| e.is_mutating()).collect();
    assert!(mutating.is_empty(), "observation mutated: {mutating:#?}");
    assert!(
        actions(&events, "container").contains(&"archive-path".to_string()),
        "the recorder must have seen the observation's archive read: {events:#?}"
    );
    assert_eq!(w.stats().since(&before).mutations, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorder_by_label_sees_only_its_signer() {
    let Some(w) = engine().await else { return };
    let mine = basic_spec("label-mine").with_lsm_labels("label-mine-signer", &[]);
    let other = basic_spec("label-other").with_lsm_labels("label-other-signer", &[]);
    let (_c1, _c2) = (guard(&mine), guard(&other));
    let rec = EventRecorder::start(
        w.reader(),
        vec![EventFilter::label(labels::SIGNER, "label-mine-signer")],
    )
    .await
    .unwrap();
    w.create_container(&other).await.unwrap();
    w.create_container(&mine).await.unwrap();
    w.remove_container(&mine.name, false).await.unwrap();
    let events = rec.stop().await.unwrap();
    let seen: Vec<(String, String)> = events
        .iter()
        .map(|e| (e.name().unwrap_or("").to_string(), e.action.clone()))
        .collect();
    assert_eq!(
        seen,
        vec![
            (mine.name.clone(), "create".to_string()),
            (mine.name.clone(), "destroy".to_string())
        ]
    );
}
