//! Fake data: generated rows drawn from agent snapshots with a seeded generator, and the
//! `Store` operations that generate them (`generate_call_logs`, `simulate_call`).

use super::*;

impl CallLogs {
    /// Generates `count` rows for the given agent snapshots (already registered), created
    /// within the period before `reference` (or exactly at `at`, when given).
    pub(super) fn generate(
        &mut self,
        key: u64,
        snaps: &[u32],
        count: usize,
        reference: i64,
        at: Option<i64>,
    ) -> u32 {
        self.history.push(Step::Generated {
            snaps: snaps.to_vec(),
            count,
            reference,
            at,
        });
        self.batches += 1;
        let mut rng = ChaCha8Rng::seed_from_u64(key ^ mix(self.batches));
        self.generated_rows += count;
        let pool = (self.generated_rows.div_ceil(CALLS_PER_CONTACT)).max(8) as u32;
        self.contact_pool = self.contact_pool.max(pool.min(EXPLICIT_CONTACT - 1));
        let mut rows = Vec::with_capacity(count);
        for _ in 0..count {
            let snap = snaps[(rng.next_u32() as usize) % snaps.len()];
            let n_actions = self.snaps[snap as usize].actions.len().min(MAX_ACTIONS);
            let mut acts = 0u16;
            let mut flags = 0u16;
            let bits = rng.next_u64();
            for i in 0..n_actions {
                // Each action runs in about one call in four.
                if (bits >> (2 * i)) & 3 == 0 {
                    acts |= 1 << i;
                    flags |= action_type_bit(&self.snaps[snap as usize].actions[i].action_type);
                }
            }
            let roll = rng.next_u64();
            if roll % 10 == 0 {
                flags |= TRIAL;
            }
            // Durations from 5 s to about 10 min, skewed short, in tenths of a second.
            let u = ((roll >> 8) % 10_000) as f64 / 10_000.0;
            let duration = (5.0 + u * u * 595.0) * 10.0;
            let created =
                at.unwrap_or_else(|| reference - (rng.next_u64() % PERIOD_MS as u64) as i64);
            rows.push(NewRow {
                created,
                duration: duration.round() / 10.0,
                snap,
                contact: rng.next_u32() % self.contact_pool,
                flags,
                acts,
            });
        }
        self.push_rows(rows)
    }
}

/// The snapshot of an agent and its actions (creation order) as stored in the location.
pub(super) fn snapshot_for(location: &mut Location, agent_id: &str) -> Option<Snapshot> {
    let agent = location.voice_agents.get(agent_id)?;
    let name = agent
        .body
        .get("agentName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let business = agent
        .body
        .get("businessName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let actions = in_order(
        location
            .voice_actions
            .values()
            .filter(|a| a.agent_id.as_deref() == Some(agent_id)),
    )
    .into_iter()
    .map(|a| ActionSnap {
        id: a.id.clone(),
        name: a
            .body
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        action_type: a
            .body
            .get("actionType")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        parameters: a
            .body
            .get("actionParameters")
            .cloned()
            .unwrap_or_else(|| json!({})),
    })
    .collect();
    let agent = location.call_logs.agent_of(agent_id);
    Some(Snapshot {
        agent,
        agent_name: name,
        business,
        actions,
    })
}

pub(super) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl Store {
    /// The key of a location's generated call logs.
    pub(crate) fn call_log_key(&self, location_id: &str) -> u64 {
        location_key(self.seed(), location_id)
    }

    /// Generates `count` more call logs for the location, spread over its Voice AI agents (in
    /// creation order) and drawn from their actions, created within the 90 days before a
    /// reference time derived from the seed. Deterministic: the same seed and the same
    /// sequence of operations give the same logs. Returns how many were added.
    ///
    /// # Errors
    ///
    /// [`StoreError::Invalid`] when the location has no Voice AI agent (and `count > 0`).
    ///
    /// ```
    /// use mock_server::Store;
    /// use serde_json::json;
    /// // Arrange
    /// let store = Store::new(1);
    /// store.voice_create_agent("loc", None, json!({"agentName": "A"}).as_object().cloned().expect("an object"));
    /// // Act
    /// let added = store.generate_call_logs("loc", 25).expect("the location has an agent");
    /// // Assert
    /// assert_eq!(added, 25);
    /// assert_eq!(store.voice_list_call_logs("loc", &Default::default(), 1, 10).0, 25);
    /// ```
    pub fn generate_call_logs(&self, location_id: &str, count: usize) -> Result<usize, StoreError> {
        if count == 0 {
            return Ok(0);
        }
        let key = self.call_log_key(location_id);
        let reference = reference_ms(self.seed());
        self.with_location(location_id, |location, _| {
            let agents: Vec<String> = in_order(location.voice_agents.values())
                .into_iter()
                .map(|a| a.id.clone())
                .collect();
            if agents.is_empty() {
                return Err(StoreError::Invalid(vec![
                    "the location has no Voice AI agent to generate call logs for".to_owned(),
                ]));
            }
            let mut snaps = Vec::with_capacity(agents.len());
            for agent in &agents {
                if let Some(snapshot) = snapshot_for(location, agent) {
                    snaps.push(location.call_logs.snapshot_of(snapshot));
                }
            }
            location
                .call_logs
                .generate(key, &snaps, count, reference, None);
            Ok(count)
        })
    }

    /// Generates `count` call logs in every location that has a Voice AI agent (in location id
    /// order, so the result is deterministic) and returns how many were added in all.
    ///
    /// ```
    /// use mock_server::Store;
    /// use serde_json::json;
    /// // Arrange
    /// let store = Store::new(1);
    /// for location in ["a", "b"] {
    ///     store.voice_create_agent(location, None, json!({}).as_object().cloned().expect("an object"));
    /// }
    /// // Act
    /// let added = store.generate_call_logs_everywhere(10);
    /// // Assert
    /// assert_eq!(added, 20);
    /// assert_eq!(store.call_log_count("b"), 10);
    /// ```
    pub fn generate_call_logs_everywhere(&self, count: usize) -> usize {
        let mut locations: Vec<String> = self
            .locations
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .keys()
            .cloned()
            .collect();
        locations.sort_unstable();
        locations
            .iter()
            .filter_map(|location| self.generate_call_logs(location, count).ok())
            .sum()
    }

    /// Creates one call log for the agent, created now, drawn from the agent's current
    /// actions, and returns it as stored (the JSON `getCallLog` answers).
    ///
    /// # Errors
    ///
    /// [`StoreError::AgentNotFound`] when the location has no such Voice AI agent.
    ///
    /// ```
    /// use mock_server::Store;
    /// use serde_json::json;
    /// // Arrange
    /// let store = Store::new(1);
    /// let agent = store.voice_create_agent("loc", None, json!({}).as_object().cloned().expect("an object"));
    /// let agent_id = agent["id"].as_str().expect("an id");
    /// // Act
    /// let log = store.simulate_call("loc", agent_id).expect("the agent exists");
    /// // Assert
    /// let id = log["id"].as_str().expect("an id");
    /// assert_eq!(store.voice_get_call_log("loc", id).expect("stored"), log);
    /// ```
    pub fn simulate_call(&self, location_id: &str, agent_id: &str) -> Result<Value, StoreError> {
        let key = self.call_log_key(location_id);
        let now = now_ms();
        self.with_location(location_id, |location, _| {
            let snapshot = snapshot_for(location, agent_id)
                .ok_or_else(|| StoreError::AgentNotFound(agent_id.to_owned()))?;
            let snap = location.call_logs.snapshot_of(snapshot);
            let row = location.call_logs.generate(key, &[snap], 1, now, Some(now));
            let agents = &location.voice_agents;
            Ok(location
                .call_logs
                .render(key, row, &|id| !agents.contains_key(id)))
        })
    }

    /// How many call logs the location has.
    /// ```
    /// use mock_server::Store;
    /// use serde_json::json;
    /// // Arrange
    /// let store = Store::new(1);
    /// store.add_call_log("loc", json!({}));
    /// // Act / Assert
    /// assert_eq!(store.call_log_count("loc"), 1);
    /// ```
    pub fn call_log_count(&self, location_id: &str) -> usize {
        self.read_location(location_id, |location| location.call_logs.len())
    }
}
