//! Fake data: generated rows drawn from agent snapshots with a seeded generator, and the
//! `Store` operations that generate them (`generate_call_logs`, `simulate_call`).

use super::*;

use chrono::{DateTime, Datelike, Timelike, Weekday};
use chrono_tz::Tz;

/// How likely a call is in one local hour, relative to the others: weekdays busiest in
/// business hours (9–17), Saturday mornings some, Sunday and nights little.
fn hour_weight(day: Weekday, hour: u32) -> u64 {
    match day {
        Weekday::Sat => match hour {
            0..=7 => 2,
            8 => 12,
            9..=12 => 40,
            13..=16 => 25,
            17..=19 => 10,
            _ => 4,
        },
        Weekday::Sun => match hour {
            0..=8 => 2,
            9..=16 => 12,
            17..=21 => 6,
            _ => 3,
        },
        _ => match hour {
            0..=6 => 2,
            7 => 12,
            8 => 45,
            9..=11 => 100,
            12 => 80,
            13..=16 => 95,
            17 => 55,
            18 => 30,
            19..=20 => 15,
            _ => 6,
        },
    }
}

/// The time zone generated calls keep the hours of: the mock's locations' (see
/// [`super::super::voice_ai::LOCATION_TIMEZONE`]).
fn location_zone() -> Tz {
    super::super::voice_ai::LOCATION_TIMEZONE
        .parse()
        .unwrap_or(Tz::UTC)
}

/// When generated calls happen: the window's whole UTC hours (the first and last cut to the
/// window), each weighted by [`hour_weight`] of its local weekday and hour and by its length,
/// as a cumulative table to draw from.
struct Calendar {
    start: Vec<i64>,
    len: Vec<u64>,
    cumulative: Vec<u64>,
    total: u64,
    /// For each of [`GUIDE`] equal parts of `0..total`, the first hour whose cumulative weight
    /// passes the part's start: a draw starts its search there and moves a step or two.
    guide: Vec<u32>,
}

/// How many parts the calendar's guide splits the weights into (about two per hour).
const GUIDE: u64 = 4096;

impl Calendar {
    /// The hours of the `PERIOD_MS` before `reference`, in `zone`.
    fn new(reference: i64, zone: Tz) -> Self {
        let from = reference.saturating_sub(PERIOD_MS);
        let slots = (PERIOD_MS / HOUR_MS + 2) as usize;
        let mut calendar = Self {
            start: Vec::with_capacity(slots),
            len: Vec::with_capacity(slots),
            cumulative: Vec::with_capacity(slots),
            total: 0,
            guide: Vec::new(),
        };
        let mut hour = from.div_euclid(HOUR_MS) * HOUR_MS;
        while hour < reference {
            let (a, b) = (hour.max(from), (hour + HOUR_MS).min(reference));
            let weight = DateTime::from_timestamp_millis(a + (b - a) / 2).map_or(1, |t| {
                let local = t.with_timezone(&zone);
                hour_weight(local.weekday(), local.hour())
            });
            calendar.total += weight * (b - a) as u64 / 1000;
            calendar.start.push(a);
            calendar.len.push((b - a) as u64);
            calendar.cumulative.push(calendar.total);
            hour += HOUR_MS;
        }
        let total = calendar.total.max(1);
        calendar.guide = (0..GUIDE)
            .map(|part| {
                let r = (u128::from(part) * u128::from(total) / u128::from(GUIDE)) as u64;
                calendar.cumulative.partition_point(|&c| c <= r) as u32
            })
            .collect();
        calendar
    }

    /// A creation time drawn from the table (uniform over the window when it has no weight).
    fn draw(&self, rng: &mut ChaCha8Rng, reference: i64) -> i64 {
        if self.total == 0 {
            return reference - (rng.next_u64() % PERIOD_MS as u64) as i64;
        }
        let r = rng.next_u64() % self.total;
        let part = (u128::from(r) * u128::from(GUIDE) / u128::from(self.total)) as usize;
        let mut slot = self.guide[part] as usize;
        while self.cumulative[slot] <= r {
            slot += 1;
        }
        self.start[slot] + (rng.next_u64() % self.len[slot]) as i64
    }
}

/// Percent of generated calls that are trial calls (the agent tested from the dashboard).
const TRIAL_PERCENT: u64 = 10;
/// Percent of calls that end within seconds (wrong numbers, hang-ups): no action runs.
const SHORT_PERCENT: u64 = 12;
/// Percent of calls that are long conversations (4 to 12 minutes).
const LONG_PERCENT: u64 = 25;

impl CallLogs {
    /// Generates `count` rows for the given agent snapshots (already registered), created
    /// within the period before `reference` following the location's business hours (or
    /// exactly at `at`, when given).
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
        let calendar = match at {
            Some(_) => None,
            None => Some(Calendar::new(reference, location_zone())),
        };
        let mut rows = Vec::with_capacity(count);
        for _ in 0..count {
            let snap = snaps[(rng.next_u32() as usize) % snaps.len()];
            let n_actions = self.snaps[snap as usize].actions.len().min(MAX_ACTIONS);
            let mut acts = 0u16;
            let mut flags = 0u16;
            let bits = rng.next_u64();
            let roll = rng.next_u64();
            // Trial calls (the owner trying the agent) are as long as live ones: a share of every
            // duration, so no length is made of live calls only.
            let trial = roll % 100 < TRIAL_PERCENT;
            let kind = (roll >> 8) % 100;
            let short = kind < SHORT_PERCENT;
            if !short {
                for i in 0..n_actions {
                    // Each action runs in about one call in four.
                    if (bits >> (2 * i)) & 3 == 0 {
                        acts |= 1 << i;
                        flags |= action_type_bit(&self.snaps[snap as usize].actions[i].action_type);
                    }
                }
            }
            if trial {
                flags |= TRIAL;
            }
            // Seconds, skewed short within each kind of call; a call that ran actions lasts at
            // least 30 s plus 15-45 s per action (long calls are not the ones with most actions).
            let u = ((roll >> 16) % 10_000) as f64 / 10_000.0;
            let base = if short {
                3.0 + u * u * 22.0
            } else if kind >= 100 - LONG_PERCENT {
                240.0 + u * u * 480.0
            } else {
                35.0 + u * u * 205.0
            };
            let per_action = 15.0 + ((roll >> 32) % 31) as f64;
            let duration = if acts == 0 {
                base
            } else {
                base.max(30.0 + f64::from(acts.count_ones()) * per_action)
            };
            let created = match (&calendar, at) {
                (_, Some(at)) => at,
                (Some(calendar), None) => calendar.draw(&mut rng, reference),
                (None, None) => reference,
            };
            rows.push(NewRow {
                created,
                duration: (duration * 10.0).round() / 10.0,
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

impl Store {
    /// The key of a location's generated call logs.
    pub(crate) fn call_log_key(&self, location_id: &str) -> u64 {
        location_key(self.seed(), location_id)
    }

    /// Generates `count` more call logs for the location, spread over its Voice AI agents (in
    /// creation order) and drawn from their actions, created within the 90 days before the
    /// store clock's "now" (the anchor), more on weekdays and in business hours of the
    /// location's time zone. Deterministic: the same seed, anchor and sequence of operations
    /// give the same logs (freeze the clock for logs that repeat across runs). Returns how
    /// many were added.
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
        let reference = self.clock().now_ms();
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

    /// Creates one call log for the agent, created at the clock's "now", drawn from the agent's current
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
        let now = self.clock().now_ms();
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    use crate::clock::{Clock, ClockSetting, parse_instant};

    const ANCHOR: &str = "2026-03-02T09:00:00Z";

    /// A store frozen at [`ANCHOR`] with two agents (one with actions) and `count` generated
    /// logs; returns every log, newest first.
    fn generated(seed: u64, count: usize) -> Vec<Value> {
        let at = parse_instant(ANCHOR).expect("an instant");
        let store = Store::with_clock(seed, Clock::new(ClockSetting::Frozen(at)));
        let obj = |v: Value| v.as_object().cloned().expect("an object");
        let agent = store.voice_create_agent("loc", None, obj(json!({"agentName": "Desk"})));
        let agent_id = agent["id"].as_str().expect("an id").to_owned();
        for (name, t, extra) in [
            ("Book", "APPOINTMENT_BOOKING", json!({})),
            (
                "Transfer",
                "CALL_TRANSFER",
                json!({"transferToValue": "+15550100", "triggerMessage": "Putting you through."}),
            ),
            ("Text", "SMS", json!({})),
        ] {
            store
                .voice_create_action(
                    "loc",
                    &agent_id,
                    None,
                    obj(json!({"name": name, "actionType": t, "actionParameters": extra})),
                )
                .expect("the agent exists");
        }
        store.voice_create_agent("loc", None, obj(json!({"agentName": "Bare"})));
        store
            .generate_call_logs("loc", count)
            .expect("agents exist");
        let mut out = Vec::new();
        for page in 1.. {
            let (_, logs) = store.voice_list_call_logs("loc", &Default::default(), page, 50);
            if logs.is_empty() {
                break;
            }
            out.extend(logs);
        }
        out
    }

    fn local(log: &Value) -> chrono::DateTime<Tz> {
        parse_instant(log["createdAt"].as_str().expect("a time"))
            .expect("RFC 3339")
            .with_timezone(&location_zone())
    }

    #[test]
    fn a_calendar_draw_lands_in_the_hour_a_search_of_the_whole_table_finds() {
        let reference = parse_instant(ANCHOR)
            .expect("an instant")
            .timestamp_millis()
            + 1234;
        let calendar = Calendar::new(reference, location_zone());
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        for _ in 0..20_000 {
            let mut probe = rng.clone();
            let created = calendar.draw(&mut rng, reference);
            let r = probe.next_u64() % calendar.total;
            let slot = calendar.cumulative.partition_point(|&c| c <= r);
            let start = calendar.start[slot];
            assert!((start..start + calendar.len[slot] as i64).contains(&created));
        }
    }

    #[test]
    fn generated_calls_fill_the_ninety_days_before_the_anchor_newest_first() {
        let logs = generated(5, 3000);
        let anchor = parse_instant(ANCHOR).expect("an instant");
        let times: Vec<_> = logs
            .iter()
            .map(|l| parse_instant(l["createdAt"].as_str().expect("a time")).expect("RFC 3339"))
            .collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
        assert!(times.iter().all(|t| *t < anchor));
        assert!(
            times
                .iter()
                .all(|t| anchor - *t <= chrono::TimeDelta::days(90))
        );
        let last_30 = times
            .iter()
            .filter(|t| anchor - **t <= chrono::TimeDelta::days(30))
            .count();
        assert!(
            (800..1200).contains(&last_30),
            "{last_30} in the last 30 days"
        );
        assert!(
            anchor - times[0] < chrono::TimeDelta::days(1),
            "{}",
            times[0]
        );
    }

    #[test]
    fn most_calls_come_on_weekdays_in_business_hours_of_the_location() {
        let logs = generated(6, 5000);
        let weekday = logs
            .iter()
            .filter(|l| local(l).weekday().number_from_monday() <= 5)
            .count();
        let business = logs
            .iter()
            .filter(|l| {
                let t = local(l);
                t.weekday().number_from_monday() <= 5 && (9..17).contains(&t.hour())
            })
            .count();
        let night = logs
            .iter()
            .filter(|l| !(7..22).contains(&local(l).hour()))
            .count();
        assert!(
            weekday * 100 > logs.len() * 80,
            "{weekday} of {} on weekdays",
            logs.len()
        );
        assert!(
            business * 100 > logs.len() * 55,
            "{business} in business hours"
        );
        assert!(night * 100 < logs.len() * 5, "{night} at night");
    }

    #[test]
    fn durations_mix_hang_ups_conversations_and_long_calls_and_trials_are_few() {
        let logs = generated(7, 5000);
        let durations: Vec<f64> = logs
            .iter()
            .map(|l| l["duration"].as_f64().expect("a number"))
            .collect();
        let share = |f: &dyn Fn(f64) -> bool| {
            durations.iter().filter(|d| f(**d)).count() * 100 / durations.len()
        };
        assert!((5..20).contains(&share(&|d| d < 30.0)), "hang-ups");
        assert!(
            (40..80).contains(&share(&|d| (30.0..240.0).contains(&d))),
            "conversations"
        );
        assert!((10..35).contains(&share(&|d| d >= 240.0)), "long calls");
        assert!(durations.iter().all(|d| (3.0..=900.0).contains(d)));
        let trials = logs.iter().filter(|l| l["trialCall"] == true).count();
        assert!(
            (2..12).contains(&(trials * 100 / logs.len())),
            "{trials} trials"
        );
    }

    #[test]
    fn transcripts_and_summaries_follow_the_actions_that_ran() {
        let logs = generated(8, 600);
        let mut seen = BTreeSet::new();
        for log in &logs {
            let summary = log["summary"].as_str().expect("a summary");
            let transcript = log["transcript"].as_str().expect("a transcript");
            let types: Vec<&str> = log["executedCallActions"]
                .as_array()
                .expect("a list")
                .iter()
                .map(|a| a["actionType"].as_str().expect("a type"))
                .collect();
            for t in &types {
                let (in_summary, in_transcript) = match *t {
                    "APPOINTMENT_BOOKING" => ("An appointment was booked.", "You're booked in"),
                    "CALL_TRANSFER" => ("transferred to +15550100", "bot:Putting you through."),
                    _ => ("A text message with the details was sent.", "text message"),
                };
                assert!(summary.contains(in_summary), "{summary}");
                assert!(transcript.contains(in_transcript), "{transcript}");
            }
            if types.is_empty() {
                assert!(summary.contains("No action was needed") || summary.contains("no action"));
            }
            if log["duration"].as_f64().expect("a number") < 30.0 && types.is_empty() {
                assert!(summary.contains("hung up"), "{summary}");
            }
            // What happened, without who called.
            let what = summary.split_once(" called ").map_or(summary, |(_, w)| w);
            seen.insert(what.to_owned());
        }
        assert!(seen.len() >= 15, "summaries vary: {seen:?}");
    }
}
