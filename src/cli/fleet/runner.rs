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

/// Runs `args_for(node)` plus `-f <manifest>` for every node.
pub(crate) async fn run(
    nodes: &[Node],
    parallelism: usize,
    json: bool,
    args_for: impl Fn(&Node) -> Result<Vec<OsString>, String>,
) -> Vec<NodeRun> {
    let gate = Arc::new(Semaphore::new(parallelism));
    let progress = Progress::new(nodes.len(), !json && std::io::stderr().is_terminal());
    let exe = std::env::current_exe().unwrap_or_else(|_| "lsm".into());
    let mut tasks = Vec::with_capacity(nodes.len());
    for node in nodes {
        // A node that cannot run (no saved plan) fails here, in its own
        // section, without a child.
        let mut args = match args_for(node) {
            Ok(args) => args,
            Err(why) => {
                let run = NodeRun {
                    node: node.clone(),
                    code: Some(1),
                    stdout: Vec::new(),
                    stderr: format!("error: {why}\n").into_bytes(),
                    took: Duration::ZERO,
                };
                tasks.push(tokio::spawn(async move { run }));
                continue;
            }
        };
        args.push("-f".into());
        args.push(node.manifest.clone().into_os_string());
        let (gate, progress, exe, node) =
            (gate.clone(), progress.clone(), exe.clone(), node.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await;
            progress.started(&node.name);
            let run = run_one(&exe, args, node).await;
            progress.finished(&run.node.name);
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

async fn run_one(exe: &std::path::Path, args: Vec<OsString>, node: Node) -> NodeRun {
    let started = Instant::now();
    let output = tokio::process::Command::new(exe)
        .args(&args)
        .env(super::CHILD_ENV, "1")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output()
        .await;
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
