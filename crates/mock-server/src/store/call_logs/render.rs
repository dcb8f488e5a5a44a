//! Rendering: the JSON of a row, from its columns and a generator seeded by the row (or the
//! body of a log given as JSON), with the fake conversation topics it draws from.

use super::*;

impl CallLogs {
    /// The JSON of a row; `deleted` tells whether an agent id no longer exists.
    pub(crate) fn render(&self, key: u64, row: u32, deleted: &dyn Fn(&str) -> bool) -> Value {
        if let Some(body) = self.bodies.get(&row) {
            return Value::Object(body.clone());
        }
        let r = row as usize;
        let snapshot = &self.snaps[self.snap[r] as usize];
        let agent_id = &self.agent_ids[snapshot.agent as usize];
        let created = self.created[r];
        let duration = self.duration[r];
        let mut rng = ChaCha8Rng::seed_from_u64(key ^ mix(u64::from(row) ^ 0x626f_6479));
        let contact = self.contact_text(key, self.contact[r]);
        let from_number: String = {
            let mut phone = ChaCha8Rng::seed_from_u64(key ^ mix(u64::from(self.contact[r])));
            NumberWithFormat("+1^##^######").fake_with_rng(&mut phone)
        };
        let caller: String = FirstName().fake_with_rng(&mut rng);
        let surname: String = LastName().fake_with_rng(&mut rng);
        let city: String = CityName().fake_with_rng(&mut rng);
        let email: String = SafeEmail().fake_with_rng(&mut rng);
        let topic = TOPICS[(rng.next_u32() as usize) % TOPICS.len()];
        let mut executed = Vec::new();
        let ran: Vec<&ActionSnap> = snapshot
            .actions
            .iter()
            .take(MAX_ACTIONS)
            .enumerate()
            .filter(|(i, _)| self.acts[r] & (1 << i) != 0)
            .map(|(_, a)| a)
            .collect();
        let span_ms = (duration * 1000.0) as i64;
        let mut transcript = vec![
            format!(
                "bot:Thanks for calling {}, this is {}. How can I help you today?",
                if snapshot.business.is_empty() {
                    "us"
                } else {
                    &snapshot.business
                },
                if snapshot.agent_name.is_empty() {
                    "your assistant"
                } else {
                    &snapshot.agent_name
                },
            ),
            format!("human:Hi, this is {caller} {surname}. {}", topic.0),
            format!("bot:{}", topic.1),
        ];
        for (i, action) in ran.iter().enumerate() {
            let trigger = created + span_ms * (i as i64 + 1) / (ran.len() as i64 + 2);
            let executed_at = trigger + 500 + i64::from(rng.next_u32() % 4000);
            executed.push(json!({
                "actionId": action.id,
                "actionName": action.name,
                "actionType": action.action_type,
                "actionParameters": action.parameters,
                "triggerReceivedAt": rfc3339(trigger),
                "executedAt": rfc3339(executed_at),
            }));
            transcript.push(format!("bot:{}", action_line(&action.action_type)));
            transcript.push("human:Okay, thank you.".to_owned());
        }
        transcript.push(format!("human:I'm calling from {city}, by the way. Bye!"));
        transcript.push("bot:Thanks for calling, have a great day!".to_owned());
        let mut extracted = Map::new();
        if self.flags[r]
            & (action_type_bit("DATA_EXTRACTION") | action_type_bit("IN_CALL_DATA_EXTRACTION"))
            != 0
        {
            extracted.insert("fullName".to_owned(), json!(format!("{caller} {surname}")));
            extracted.insert("email".to_owned(), json!(email));
            extracted.insert("city".to_owned(), json!(city));
        }
        let mut out = Map::new();
        out.insert("id".to_owned(), json!(call_id(key, row, created)));
        if let Some(contact) = contact {
            out.insert("contactId".to_owned(), json!(contact));
        }
        out.insert("agentId".to_owned(), json!(agent_id));
        out.insert("isAgentDeleted".to_owned(), json!(deleted(agent_id)));
        out.insert("fromNumber".to_owned(), json!(from_number));
        out.insert("createdAt".to_owned(), json!(rfc3339(created)));
        out.insert("duration".to_owned(), json!(duration));
        out.insert("trialCall".to_owned(), json!(self.flags[r] & TRIAL != 0));
        out.insert("executedCallActions".to_owned(), Value::Array(executed));
        out.insert(
            "summary".to_owned(),
            json!(format!(
                "{caller} {surname} called {}. {}",
                topic.2,
                if ran.is_empty() {
                    "No action was needed.".to_owned()
                } else {
                    format!(
                        "The agent ran: {}.",
                        ran.iter()
                            .map(|a| a.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            )),
        );
        out.insert("transcript".to_owned(), json!(transcript.join("\n")));
        out.insert("extractedData".to_owned(), Value::Object(extracted));
        out.insert(
            "messageId".to_owned(),
            json!(crate::store::alnum(&mut rng, 20)),
        );
        Value::Object(out)
    }
}

/// What callers ask, what the agent answers, and how the summary puts it.
pub(super) const TOPICS: [(&str, &str, &str); 8] = [
    (
        "I'd like to book an appointment for next week.",
        "Sure, let me check what we have available.",
        "to book an appointment",
    ),
    (
        "What are your opening hours on Saturday?",
        "On Saturdays we are open from 9 AM to 1 PM.",
        "about the opening hours",
    ),
    (
        "I need to reschedule my appointment.",
        "No problem, which day works better for you?",
        "to reschedule an appointment",
    ),
    (
        "Can I speak to someone about my invoice?",
        "Of course, I can help with billing questions.",
        "about an invoice",
    ),
    (
        "Do you accept my insurance?",
        "We accept most major providers; which one do you have?",
        "about insurance coverage",
    ),
    (
        "I have an urgent problem and need help today.",
        "I understand, let me get you to the right person.",
        "with an urgent request",
    ),
    (
        "How much does a consultation cost?",
        "A first consultation is free of charge.",
        "about pricing",
    ),
    (
        "Where exactly are you located?",
        "We are right downtown, next to the central station.",
        "for directions",
    ),
];

pub(super) fn action_line(action_type: &str) -> &'static str {
    match action_type {
        "CALL_TRANSFER" => "I'm transferring you now, please hold.",
        "DATA_EXTRACTION" | "IN_CALL_DATA_EXTRACTION" => {
            "Could you confirm your full name and email address?"
        }
        "WORKFLOW_TRIGGER" => "I've passed this on to the team.",
        "SMS" => "I've just sent you a text message with the details.",
        "APPOINTMENT_BOOKING" => "You're booked in, you'll get a confirmation shortly.",
        "CUSTOM_ACTION" => "Let me look that up in our system.",
        _ => "Let me check our knowledge base for that.",
    }
}
