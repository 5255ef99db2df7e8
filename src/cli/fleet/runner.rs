//! Runs one `lsm` child per node, at most `parallelism` at once, and keeps
//! each child's output whole so the report can show it in manifest order
//! whatever the finishing order. Children inherit the environment and get
//! no stdin (an apply that would prompt fails clearly instead of hanging).

use super::manifests::Node;
use std::ffi::OsString;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// One node's finished run.
#[derive(Debug)]
pub(crate) struct NodeRun {
    pub node: Node,
    /// The child's exit code; `None` when it was killed by a signal or
    /// could not start.
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub took: Duration,
}

/// Which nodes wait for which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    /// All at once (plan, status, validate: nothing changes).
    Free,
    /// A watch-only node after the signer whose bundle it imports (apply:
    /// the bundle must be written first).
    SignersFirst,
    /// A signer after the watch-only nodes that import its bundle
    /// (destroy: a node is not left dialling a signer that is gone).
    DependentsFirst,
}

/// For each node, the nodes it waits for under `order`.
fn waits_for(nodes: &[Node], order: Order) -> Vec<Vec<usize>> {
    let signer_of = super::manifests::signer_of(nodes);
    let mut waits = vec![Vec::new(); nodes.len()];
    for (node, signer) in signer_of.iter().enumerate() {
        match (order, signer) {
            (Order::SignersFirst, Some(s)) => waits[node].push(*s),
            (Order::DependentsFirst, Some(s)) => waits[*s].push(node),
            _ => {}
        }
    }
    waits
}

/// A node that did not run because a node it waits for did not succeed.
/// It takes that node's code when it was stale (3), locked (4) or blocked
/// (5), so a pipeline still tells "only blocked" from "failed" (1).
fn skipped(node: &Node, after: &Node, code: Option<i32>) -> NodeRun {
    let how = code.map_or("was killed".to_string(), |c| format!("exited {c}"));
    NodeRun {
        node: node.clone(),
        code: match code {
            Some(c @ (3..=5)) => Some(c),
            _ => Some(1),
        },
        stdout: Vec::new(),
        stderr: format!(
            "error: skipped: it waits for {}, whose run {how}\n",
            after.name
        )
        .into_bytes(),
        took: Duration::ZERO,
    }
}

/// Runs `args_for(node)` plus `-f <manifest>` for every node, each after
/// the nodes `order` makes it wait for; a node whose predecessor failed is
/// skipped and says why.
pub(crate) async fn run(
    nodes: &[Node],
    parallelism: usize,
    json: bool,
    order: Order,
    args_for: impl Fn(&Node) -> Result<Vec<OsString>, String>,
) -> Vec<NodeRun> {
    let waits = waits_for(nodes, order);
    let (done_tx, done_rx): (Vec<_>, Vec<_>) = nodes
        .iter()
        .map(|_| tokio::sync::watch::channel(None::<Option<i32>>))
        .unzip();
    let gate = Arc::new(Semaphore::new(parallelism));
    let progress = Progress::new(nodes.len(), !json && std::io::stderr().is_terminal());
    let exe = std::env::current_exe().unwrap_or_else(|_| "lsm".into());
    let mut tasks = Vec::with_capacity(nodes.len());
    for (i, (node, done)) in nodes.iter().zip(done_tx).enumerate() {
        // A node that cannot run (no saved plan) fails in its own section,
        // without a child.
        let args = args_for(node).map(|mut args| {
            args.push("-f".into());
            args.push(node.manifest.clone().into_os_string());
            args
        });
        let before: Vec<(Node, tokio::sync::watch::Receiver<Option<Option<i32>>>)> = waits[i]
            .iter()
            .map(|&w| (nodes[w].clone(), done_rx[w].clone()))
            .collect();
        let (gate, progress, exe, node) =
            (gate.clone(), progress.clone(), exe.clone(), node.clone());
        tasks.push(tokio::spawn(async move {
            let run = match (args, first_failed(before).await) {
                (_, Some((after, code))) => skipped(&node, &after, code),
                (Err(why), None) => NodeRun {
                    node,
                    code: Some(1),
                    stdout: Vec::new(),
                    stderr: format!("error: {why}\n").into_bytes(),
                    took: Duration::ZERO,
                },
                (Ok(args), None) => {
                    let _permit = gate.acquire_owned().await;
                    progress.started(&node.name);
                    let run = run_one(&exe, args, node).await;
                    progress.finished(&run.node.name);
                    run
                }
            };
            // Nobody may be listening; that is fine.
            let _ = done.send(Some(run.code));
            run
        }));
    }
    let mut runs = Vec::with_capacity(tasks.len());
    for (task, node) in tasks.into_iter().zip(nodes) {
        runs.push(task.await.unwrap_or_else(|e| NodeRun {
            node: node.clone(),
            code: None,
            stdout: Vec::new(),
            stderr: format!("error: the run of this node panicked: {e}\n").into_bytes(),
            took: Duration::ZERO,
        }));
    }
    progress.done();
    runs
}

/// Waits for every node in `before`; the first that failed (anything but
/// exit 0 or 2), with its code.
async fn first_failed(
    before: Vec<(Node, tokio::sync::watch::Receiver<Option<Option<i32>>>)>,
) -> Option<(Node, Option<i32>)> {
    let mut failed = None;
    for (node, mut rx) in before {
        let code = match rx.wait_for(Option::is_some).await {
            Ok(v) => v.flatten(),
            Err(_) => None,
        };
        if failed.is_none() && !matches!(code, Some(0 | 2)) {
            failed = Some((node, code));
        }
    }
    failed
}

async fn run_one(exe: &std::path::Path, args: Vec<OsString>, node: Node) -> NodeRun {
    let started = Instant::now();
    let mut cmd = tokio::process::Command::new(exe);
    cmd.args(&args)
        .env(super::CHILD_ENV, "1")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    // A node's lsm goes with the fleet's: if the parent is killed (SIGKILL
    // leaves no chance to clean up), each child gets SIGTERM, which lsm
    // handles like Ctrl-C (its interrupt cleanup runs; an apply stopped
    // there is repaired by the next, as after any crash). No orphan keeps
    // changing a node nobody watches any more.
    // SAFETY: runs in the child between fork and exec and makes only
    // async-signal-safe system calls (prctl, getppid, _exit).
    unsafe {
        let parent = std::process::id();
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM as libc::c_ulong) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died before the prctl took effect.
            if libc::getppid() as u32 != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
    let output = cmd.output().await;
    match output {
        Ok(o) => NodeRun {
            node,
            code: o.status.code(),
            stdout: o.stdout,
            stderr: o.stderr,
            took: started.elapsed(),
        },
        Err(e) => NodeRun {
            node,
            code: None,
            stdout: Vec::new(),
            stderr: format!("error: cannot run {}: {e}\n", exe.display()).into_bytes(),
            took: started.elapsed(),
        },
    }
}

/// On a terminal, one status line on stderr: how many finished and which
/// nodes are running now.
#[derive(Clone)]
struct Progress {
    state: Option<Arc<Mutex<Counts>>>,
}

/// Nodes in all, nodes finished, nodes running now.
struct Counts(usize, usize, Vec<String>);

impl Progress {
    fn new(total: usize, shown: bool) -> Progress {
        Progress {
            state: shown.then(|| Arc::new(Mutex::new(Counts(total, 0, Vec::new())))),
        }
    }

    fn started(&self, name: &str) {
        self.update(|s| s.2.push(name.to_string()));
    }

    fn finished(&self, name: &str) {
        self.update(|s| {
            s.1 += 1;
            s.2.retain(|n| n != name);
        });
    }

    fn update(&self, f: impl FnOnce(&mut Counts)) {
        let Some(state) = &self.state else { return };
        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut s);
        let running = s.2.join(", ");
        eprint!(
            "\r\x1b[2K[{}/{} done] running: {}",
            s.1,
            s.0,
            crate::diagnostic::escape_line(&running)
        );
    }

    fn done(&self) {
        if self.state.is_some() {
            eprint!("\r\x1b[2K");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn signer(name: &str, bundle: &str) -> Node {
        let mut n = Node::bare(name.into(), PathBuf::from(format!("{name}.toml")));
        n.provides = vec![
            PathBuf::from(bundle),
            PathBuf::from(format!("{bundle}.tar.gz.b64")),
        ];
        n
    }

    fn watch_only(name: &str, bundle: &str) -> Node {
        let mut n = Node::bare(name.into(), PathBuf::from(format!("{name}.toml")));
        n.needs = Some(PathBuf::from(bundle));
        n
    }

    #[test]
    fn a_watch_only_node_waits_for_its_signer_on_apply_and_the_signer_for_it_on_destroy() {
        let nodes = [
            watch_only("wo-a", "/b/a.tar.gz.b64"),
            signer("sig-a", "/b/a"),
            signer("sig-b", "/b/b"),
            watch_only("wo-b", "/b/b"),
            watch_only("wo-x", "/elsewhere"),
        ];
        assert_eq!(
            waits_for(&nodes, Order::SignersFirst),
            [vec![1], vec![], vec![], vec![2], vec![]]
        );
        assert_eq!(
            waits_for(&nodes, Order::DependentsFirst),
            [vec![], vec![0], vec![3], vec![], vec![]]
        );
        assert!(waits_for(&nodes, Order::Free).iter().all(Vec::is_empty));
    }

    #[tokio::test]
    async fn a_node_after_a_failed_one_is_skipped_and_says_why() {
        let (tx, rx) = tokio::sync::watch::channel(None);
        tx.send(Some(Some(1))).unwrap();
        let sig = signer("sig-a", "/b/a");
        let failed = first_failed(vec![(sig.clone(), rx)]).await;
        assert_eq!(
            failed.as_ref().map(|(n, c)| (n.name.as_str(), *c)),
            Some(("sig-a", Some(1)))
        );
        let run = skipped(&watch_only("wo-a", "/b/a"), &sig, Some(1));
        assert_eq!(run.code, Some(1));
        assert_eq!(
            String::from_utf8_lossy(&run.stderr),
            "error: skipped: it waits for sig-a, whose run exited 1\n"
        );
        let blocked = skipped(&watch_only("wo-a", "/b/a"), &sig, Some(5));
        assert_eq!(
            blocked.code,
            Some(5),
            "a blocked signer's node is blocked too"
        );
        for ok in [0, 2] {
            let (tx, rx) = tokio::sync::watch::channel(None);
            tx.send(Some(Some(ok))).unwrap();
            assert!(first_failed(vec![(sig.clone(), rx)]).await.is_none());
        }
    }
}
