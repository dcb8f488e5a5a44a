//! The storage: typed columns per row, the sorted views and posting lists kept beside them,
//! and adding rows (generated or given as JSON) to all of them.

use super::*;

impl CallLogs {
    /// How many call logs the location has.
    pub(crate) fn len(&self) -> usize {
        self.created.len()
    }

    pub(super) fn key_of(&self, order: Order, row: u32) -> (u64, u32) {
        let r = row as usize;
        match order {
            Order::Created => (created_key(self.created[r]), row),
            Order::Duration => (duration_key(self.duration[r]), row),
        }
    }

    /// The flags and agent tag of a row (see `duration_meta`).
    pub(super) fn meta(&self, row: u32) -> u32 {
        let agent = self.snaps[self.snap[row as usize] as usize].agent;
        (agent.min(AGENT_TAG_NONE) << 16) | u32::from(self.flags[row as usize])
    }

    pub(super) fn agent_of(&mut self, agent_id: &str) -> u32 {
        if let Some(&i) = self.agent_index.get(agent_id) {
            return i;
        }
        let i = self.agent_ids.len() as u32;
        self.agent_ids.push(agent_id.to_owned());
        self.agent_index.insert(agent_id.to_owned(), i);
        self.agent_rows.push(Vec::new());
        i
    }

    /// The snapshot index for this agent state, reusing the agent's latest one when equal.
    pub(super) fn snapshot_of(&mut self, snapshot: Snapshot) -> u32 {
        if let Some(i) = self.snaps.iter().rposition(|s| s.agent == snapshot.agent)
            && self.snaps[i] == snapshot
        {
            return i as u32;
        }
        self.snaps.push(snapshot);
        (self.snaps.len() - 1) as u32
    }

    pub(super) fn contact_of(&mut self, key: u64, name: &str) -> u32 {
        if let Some(c) = decode_contact(key, name, self.contact_pool) {
            return c;
        }
        if let Some(&c) = self.explicit_contact_index.get(name) {
            return c;
        }
        let c = EXPLICIT_CONTACT + self.explicit_contacts.len() as u32;
        self.explicit_contacts.push(name.to_owned());
        self.explicit_contact_index.insert(name.to_owned(), c);
        c
    }

    pub(super) fn contact_text(&self, key: u64, contact: u32) -> Option<String> {
        if contact == NO_CONTACT {
            None
        } else if contact >= EXPLICIT_CONTACT {
            self.explicit_contacts
                .get((contact - EXPLICIT_CONTACT) as usize)
                .cloned()
        } else {
            Some(contact_name(key, contact))
        }
    }

    /// Appends rows and merges them into every index: a few rows are inserted in place (binary
    /// search, one shift per index), a batch is sorted and merged.
    pub(super) fn push_rows(&mut self, rows: Vec<NewRow>) -> u32 {
        let first = self.created.len() as u32;
        let n = rows.len();
        self.created.reserve_exact(n);
        self.duration.reserve_exact(n);
        self.snap.reserve_exact(n);
        self.contact.reserve_exact(n);
        self.flags.reserve_exact(n);
        self.acts.reserve_exact(n);
        for row in rows {
            self.created.push(row.created);
            self.duration.push(row.duration);
            self.snap.push(row.snap);
            self.contact.push(row.contact);
            self.flags.push(row.flags);
            self.acts.push(row.acts);
        }
        let new: Vec<u32> = (first..first + n as u32).collect();
        if n <= 16 {
            for &r in &new {
                self.insert_one(r);
            }
            return first;
        }
        // Creation order.
        let mut by_created = new.clone();
        by_created.sort_unstable_by_key(|&r| self.key_of(Order::Created, r));
        self.by_created = self.merge(&self.by_created, &by_created, Order::Created);
        self.created_sorted = self
            .by_created
            .iter()
            .map(|&r| self.created[r as usize])
            .collect();
        self.created_flags = self
            .by_created
            .iter()
            .map(|&r| self.flags[r as usize])
            .collect();
        // Duration order.
        let mut by_duration = new;
        by_duration.sort_unstable_by_key(|&r| self.key_of(Order::Duration, r));
        self.by_duration = self.merge(&self.by_duration, &by_duration, Order::Duration);
        self.duration_meta = self.by_duration.iter().map(|&r| self.meta(r)).collect();
        // Posting lists, in creation order.
        let mut per_agent: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut per_contact: HashMap<u32, Vec<u32>> = HashMap::new();
        for &r in &by_created {
            let agent = self.snaps[self.snap[r as usize] as usize].agent;
            per_agent.entry(agent).or_default().push(r);
            let contact = self.contact[r as usize];
            if contact != NO_CONTACT {
                per_contact.entry(contact).or_default().push(r);
            }
        }
        for (agent, rows) in per_agent {
            let merged = self.merge(&self.agent_rows[agent as usize], &rows, Order::Created);
            self.agent_rows[agent as usize] = merged;
        }
        for (contact, rows) in per_contact {
            let old = self.contact_rows.remove(&contact).unwrap_or_default();
            let merged = self.merge(&old, &rows, Order::Created);
            self.contact_rows.insert(contact, merged);
        }
        first
    }

    /// Inserts one appended row into every index in place.
    pub(super) fn insert_one(&mut self, r: u32) {
        let row = r as usize;
        let created = self.key_of(Order::Created, r);
        let at = self
            .by_created
            .partition_point(|&o| self.key_of(Order::Created, o) < created);
        self.by_created.insert(at, r);
        self.created_sorted.insert(at, self.created[row]);
        self.created_flags.insert(at, self.flags[row]);
        let duration = self.key_of(Order::Duration, r);
        let at = self
            .by_duration
            .partition_point(|&o| self.key_of(Order::Duration, o) < duration);
        self.by_duration.insert(at, r);
        self.duration_meta.insert(at, self.meta(r));
        let agent = self.snaps[self.snap[row] as usize].agent as usize;
        let list = std::mem::take(&mut self.agent_rows[agent]);
        self.agent_rows[agent] = self.merge(&list, &[r], Order::Created);
        let contact = self.contact[row];
        if contact != NO_CONTACT {
            let list = self.contact_rows.remove(&contact).unwrap_or_default();
            let merged = self.merge(&list, &[r], Order::Created);
            self.contact_rows.insert(contact, merged);
        }
    }

    /// Merges two row lists sorted in `order` (exact capacity).
    pub(super) fn merge(&self, a: &[u32], b: &[u32], order: Order) -> Vec<u32> {
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            if self.key_of(order, a[i]) <= self.key_of(order, b[j]) {
                out.push(a[i]);
                i += 1;
            } else {
                out.push(b[j]);
                j += 1;
            }
        }
        out.extend_from_slice(&a[i..]);
        out.extend_from_slice(&b[j..]);
        out
    }

    /// The row of a call id, when the location has it.
    pub(crate) fn find(&self, key: u64, id: &str) -> Option<u32> {
        if let Some(&row) = self.explicit_ids.get(id) {
            return Some(row);
        }
        let row = decode_call_id(key, id)?;
        let r = row as usize;
        (r < self.len()
            && !self.bodies.contains_key(&row)
            && call_id(key, row, self.created[r]) == id)
            .then_some(row)
    }

    /// Adds a log given as JSON (already completed with the required fields); its body is
    /// kept as given. Returns its row.
    pub(crate) fn insert_explicit(
        &mut self,
        key: u64,
        id: String,
        body: Map<String, Value>,
    ) -> u32 {
        self.insert_explicit_many(key, vec![(id, body)])
    }

    /// Adds many logs given as JSON in one batch (one merge into the indexes instead of one
    /// shift per log; use it to restore many logs). Returns the first new row.
    pub(crate) fn insert_explicit_many(
        &mut self,
        key: u64,
        logs: Vec<(String, Map<String, Value>)>,
    ) -> u32 {
        let mut rows = Vec::with_capacity(logs.len());
        let mut stored = Vec::with_capacity(logs.len());
        for (id, body) in logs {
            let agent_id = body
                .get("agentId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let agent = self.agent_of(&agent_id);
            let snap = self.snapshot_of(Snapshot {
                agent,
                agent_name: String::new(),
                business: String::new(),
                actions: Vec::new(),
            });
            let contact = match body.get("contactId").and_then(Value::as_str) {
                Some(name) => self.contact_of(key, name),
                None => NO_CONTACT,
            };
            let mut flags = 0;
            if body.get("trialCall").and_then(Value::as_bool) == Some(true) {
                flags |= TRIAL;
            }
            for action in body
                .get("executedCallActions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                flags |= action
                    .get("actionType")
                    .and_then(Value::as_str)
                    .map_or(0, action_type_bit);
            }
            rows.push(NewRow {
                created: body
                    .get("createdAt")
                    .and_then(Value::as_str)
                    .and_then(parse_rfc3339_ms)
                    .unwrap_or(i64::MIN),
                duration: body.get("duration").and_then(Value::as_f64).unwrap_or(0.0),
                snap,
                contact,
                flags,
                acts: 0,
            });
            let mut json = Map::new();
            json.insert("id".to_owned(), Value::String(id.clone()));
            json.extend(body);
            stored.push((id, json));
        }
        match self.history.last_mut() {
            Some(Step::Explicit(n)) => *n += stored.len(),
            _ => self.history.push(Step::Explicit(stored.len())),
        }
        let first = self.push_rows(rows);
        for (i, (id, json)) in stored.into_iter().enumerate() {
            let row = first + i as u32;
            self.bodies.insert(row, json);
            self.explicit_ids.insert(id, row);
        }
        first
    }
}
