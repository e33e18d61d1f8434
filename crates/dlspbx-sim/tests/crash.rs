//! Crash safety: a simulator killed with SIGKILL loses nothing it acknowledged (the database
//! is in WAL mode and every write commits before the answer is sent).

use dlspbx::RetryPolicy;
use dlspbx::dialer::{AddContactListRequest, AddContactRequest};
use dlspbx::prelude::*;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_dlspbx-sim");
const CONTACTS: usize = 200;

/// A `dlspbx-sim serve` child process on a free port.
struct Server {
    child: Child,
    url: String,
    api_user: String,
    api_key: String,
}

impl Server {
    fn start(db: &Path) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--cdrs", "50", "--db"])
            .arg(db)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let parsed = line
            .strip_prefix("dlspbx-sim listening on ")
            .and_then(|rest| {
                let (url, creds) = rest.split_once(' ')?;
                let creds = creds.trim().strip_prefix("(api_user=")?.strip_suffix(')')?;
                let (user, key) = creds.split_once(" api_key=")?;
                Some((url.to_owned(), user.to_owned(), key.to_owned()))
            });
        let Some((url, api_user, api_key)) = parsed else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("unexpected ready line: {line:?}");
        };
        Server {
            child,
            url,
            api_user,
            api_key,
        }
    }

    fn client(&self) -> Client {
        Client::builder()
            .base_url(&self.url)
            .api_user(&self.api_user)
            .api_key(&self.api_key)
            .retry(RetryPolicy::none())
            .build()
            .unwrap()
    }

    /// SIGKILL: no destructor, no checkpoint, no clean close of the database.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn phone(i: usize) -> String {
    format!("81536{i:05}")
}

/// Adds contacts `range` in order and returns the acknowledged IDs.
fn add_all(client: &Client, list: i64, range: std::ops::Range<usize>) -> Vec<i64> {
    range
        .map(|i| {
            client
                .dialer()
                .add_contact(AddContactRequest::new(list.to_string(), phone(i)).first_name("Crash"))
                .unwrap_or_else(|e| panic!("contact {i}: {e}"))
                .id
        })
        .collect()
}

fn stored_contacts(db: &Path, list: i64) -> Vec<(i64, String)> {
    let conn = dlspbx_sim::db::open(Some(db)).unwrap();
    conn.prepare("SELECT id, phone_number FROM contacts WHERE list_id = ?1 ORDER BY id")
        .unwrap()
        .query_map([list], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");

    // 1. Acknowledged writes, then SIGKILL while idle.
    let server = Server::start(&db);
    let client = server.client();
    let list = client
        .dialer()
        .add_contact_list(AddContactListRequest::new("Crash test"))
        .unwrap()
        .id;
    let mut acked: Vec<(usize, i64)> = add_all(&client, list, 0..CONTACTS)
        .into_iter()
        .enumerate()
        .collect();
    let mut distinct: Vec<i64> = acked.iter().map(|(_, id)| *id).collect();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), CONTACTS, "every contact has its own ID");
    server.kill();
    // Nothing was checkpointed by a clean shutdown: the writes are in the WAL.
    assert!(dir.path().join("crash.db-wal").exists());

    // 2. SIGKILL in the middle of a stream of writes: the writer's last request may or may
    // not have committed, everything acknowledged before must be there.
    let server = Server::start(&db);
    let client = server.client();
    assert_eq!(
        client
            .dialer()
            .add_contact_list(AddContactListRequest::new("Crash test"))
            .unwrap()
            .id,
        list,
        "the contact list survived"
    );
    let (tx, rx) = std::sync::mpsc::channel();
    let writer = std::thread::spawn(move || {
        for i in CONTACTS..CONTACTS * 50 {
            let added = client
                .dialer()
                .add_contact(AddContactRequest::new(list.to_string(), phone(i)));
            match added {
                Ok(c) => {
                    if tx.send((i, c.id)).is_err() {
                        break;
                    }
                }
                Err(_) => break, // the server is gone
            }
        }
    });
    let mut in_flight_acks = Vec::new();
    while in_flight_acks.len() < CONTACTS {
        in_flight_acks.push(rx.recv().expect("the writer stopped early"));
    }
    server.kill();
    writer.join().unwrap();
    in_flight_acks.extend(rx.try_iter());
    acked.extend(in_flight_acks);

    // 3. The file holds every acknowledged contact under its ID, plus at most the one write
    // that was in flight at the kill.
    let stored = stored_contacts(&db, list);
    let by_id: std::collections::HashMap<i64, String> = stored.iter().cloned().collect();
    for (i, id) in &acked {
        assert_eq!(
            by_id.get(id),
            Some(&phone(*i)),
            "acknowledged contact {i} ({id})"
        );
    }
    assert!(
        stored.len() - acked.len() <= 1,
        "{} stored, {} acknowledged",
        stored.len(),
        acked.len()
    );

    // 4. The restarted server reuses the file as is (no reseeding: the same key) and re-adding
    // every acknowledged contact returns the same IDs and adds nothing.
    let server = Server::start(&db);
    let client = server.client();
    let expected: Vec<i64> = acked.iter().map(|(_, id)| *id).collect();
    assert_eq!(
        add_all(&client, list, 0..acked.len()),
        expected,
        "the same IDs after the restart"
    );
    server.kill();
    assert_eq!(stored_contacts(&db, list), stored, "no duplicates");
}
