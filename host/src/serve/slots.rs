//! How many streams run at once, in all and from one client. A stream
//! holds its instance for as long as its sender keeps pace, so streams get
//! caps of their own below the instance pool's (nginx's `limit_conn`), and
//! single requests always find an instance.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

/// The client's address, put in each request's extensions by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// The stream slots of a server.
#[derive(Debug)]
pub struct StreamSlots {
    /// Streams at once, in all.
    max: u32,
    /// Streams at once from one client address.
    per_client: u32,
    held: Mutex<Held>,
}

/// What is held now. `total` is the sum of `by_client` and of the streams
/// of requests without a client address; a client with none held has no
/// entry.
#[derive(Debug, Default)]
struct Held {
    total: u32,
    by_client: HashMap<IpAddr, u32>,
}

/// Why a stream found no slot: (status, kind, message).
pub type Refusal = (u16, &'static str, String);

impl StreamSlots {
    pub fn new(max: u32, per_client: u32) -> Arc<StreamSlots> {
        Arc::new(StreamSlots {
            max,
            per_client,
            held: Mutex::new(Held::default()),
        })
    }

    fn held(&self) -> MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A slot for a stream from `client`, held until the slot is dropped;
    /// 503 `overloaded` when every slot is taken, 429 `too-many-streams`
    /// when the client holds its share.
    pub fn take(self: &Arc<Self>, client: Option<IpAddr>) -> Result<StreamSlot, Refusal> {
        let mut held = self.held();
        if held.total >= self.max {
            return Err((
                503,
                "overloaded",
                format!(
                    "every stream slot is taken ({} streams at once); single-frame routes are still answered",
                    self.max
                ),
            ));
        }
        if let Some(client) = client {
            let mine = held.by_client.entry(client).or_insert(0);
            if *mine >= self.per_client {
                return Err((
                    429,
                    "too-many-streams",
                    format!(
                        "{client} has {} streams open, the most one client may",
                        self.per_client
                    ),
                ));
            }
            *mine += 1;
        }
        held.total += 1;
        Ok(StreamSlot {
            slots: self.clone(),
            client,
        })
    }

    /// Streams held now, in all.
    pub fn held_now(&self) -> u32 {
        self.held().total
    }
}

/// One stream's slot, given back when dropped.
#[derive(Debug)]
pub struct StreamSlot {
    slots: Arc<StreamSlots>,
    client: Option<IpAddr>,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut held = self.slots.held();
        held.total = held.total.saturating_sub(1);
        if let Some(client) = self.client
            && let Some(mine) = held.by_client.get_mut(&client)
        {
            *mine -= 1;
            if *mine == 0 {
                held.by_client.remove(&client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_capped_in_all_and_by_client_and_given_back() {
        let slots = StreamSlots::new(3, 2);
        let (a, b) = (
            Some(IpAddr::from([10, 0, 0, 1])),
            Some(IpAddr::from([10, 0, 0, 2])),
        );
        let first = slots.take(a).unwrap();
        let _second = slots.take(a).unwrap();
        assert_eq!(slots.take(a).unwrap_err().0, 429);
        let third = slots.take(b).unwrap();
        assert_eq!(slots.take(b).unwrap_err().0, 503);
        assert_eq!(slots.take(None).unwrap_err().0, 503);
        drop(third);
        assert_eq!(slots.held_now(), 2);
        drop(first);
        let _again = slots.take(a).unwrap();
        let _anonymous = slots.take(None).unwrap();
        assert_eq!(slots.held_now(), 3);
        // Nothing is kept for clients with none held.
        drop(_again);
        drop(_second);
        assert!(slots.held().by_client.is_empty());
    }
}
