//! Rendering: the JSON of a row, from its columns and a generator seeded by the row (or the
//! body of a log given as JSON), with the fake conversation topics it draws from. What the
//! caller asks, the transcript and the summary follow the actions that ran; calls that ended
//! within seconds read as wrong numbers or hang-ups; trial calls as the owner testing the agent.

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
        let trial = self.flags[r] & TRIAL != 0;
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
        let ran: Vec<&ActionSnap> = snapshot
            .actions
            .iter()
            .take(MAX_ACTIONS)
            .enumerate()
            .filter(|(i, _)| self.acts[r] & (1 << i) != 0)
            .map(|(_, a)| a)
            .collect();
        // What the caller wanted follows the first action that ran (a booking call books).
        let wanted = ran.first().map_or(0, |a| action_type_bit(&a.action_type));
        let fits = |t: &&Topic| {
            if wanted == 0 {
                t.types == 0
            } else {
                t.types & wanted != 0
            }
        };
        let fitting = TOPICS.iter().filter(fits).count().max(1);
        let topic = TOPICS
            .iter()
            .filter(fits)
            .nth((rng.next_u32() as usize) % fitting)
            .unwrap_or(&TOPICS[0]);
        let span_ms = (duration * 1000.0) as i64;
        let mut transcript = vec![format!(
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
        )];
        let mut executed = Vec::new();
        let summary = if ran.is_empty() && duration < 30.0 {
            // A call that ended within seconds: a wrong number or a hang-up.
            let (line, what) = if rng.next_u32() % 2 == 0 {
                (
                    "human:Oh, sorry, I dialed the wrong number. Bye.",
                    "reached the wrong number and hung up",
                )
            } else {
                (
                    "human:Hello? Never mind, I'll call back later.",
                    "hung up before saying what they needed",
                )
            };
            transcript.push(line.to_owned());
            transcript.push("bot:No problem, have a nice day!".to_owned());
            let who = if trial {
                "A tester (trial call)".to_owned()
            } else {
                format!("{caller} {surname}")
            };
            format!("{who} {what}. No action was needed.")
        } else {
            transcript.push(if trial {
                format!("human:Hi, I'm testing the agent. {}", topic.ask)
            } else {
                format!("human:Hi, this is {caller} {surname}. {}", topic.ask)
            });
            transcript.push(format!("bot:{}", topic.answer));
            let mut outcomes = String::new();
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
                // The agent says what the action is set up to say, else a line for its type.
                let said = action
                    .parameters
                    .get("triggerMessage")
                    .and_then(Value::as_str)
                    .filter(|m| !m.is_empty())
                    .unwrap_or_else(|| action_line(&action.action_type));
                transcript.push(format!("bot:{said}"));
                transcript.push(format!("human:{}", reply_line(&action.action_type)));
                if !outcomes.is_empty() {
                    outcomes.push(' ');
                }
                outcomes.push_str(&outcome(action));
            }
            if !trial {
                transcript.push(format!("human:I'm calling from {city}, by the way. Bye!"));
            }
            transcript.push("bot:Thanks for calling, have a great day!".to_owned());
            let who = if trial {
                "A tester (trial call)".to_owned()
            } else {
                format!("{caller} {surname}")
            };
            let result = if outcomes.is_empty() {
                "The agent answered; no action was needed."
            } else {
                &outcomes
            };
            format!("{who} called {}. {result}", topic.summary)
        };
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
        out.insert("trialCall".to_owned(), json!(trial));
        out.insert("executedCallActions".to_owned(), Value::Array(executed));
        out.insert("summary".to_owned(), json!(summary));
        out.insert("transcript".to_owned(), json!(transcript.join("\n")));
        out.insert("extractedData".to_owned(), Value::Object(extracted));
        out.insert(
            "messageId".to_owned(),
            json!(crate::store::alnum(&mut rng, 20)),
        );
        Value::Object(out)
    }
}

/// A reason to call: what the caller asks, what the agent answers, how the summary puts it,
/// and the action types (bits) it leads to (0: a question no action answers).
pub(super) struct Topic {
    ask: &'static str,
    answer: &'static str,
    summary: &'static str,
    types: u16,
}

const fn bits(types: &[&str]) -> u16 {
    let mut out = 0;
    let mut i = 0;
    while i < types.len() {
        let mut j = 0;
        while j < ACTION_TYPES.len() {
            if const_eq(types[i], ACTION_TYPES[j]) {
                out |= 1 << j;
            }
            j += 1;
        }
        i += 1;
    }
    out
}

const fn const_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Every topic; each action type is reached by at least one (checked by a unit test).
pub(super) const TOPICS: [Topic; 12] = [
    Topic {
        ask: "What are your opening hours on Saturday?",
        answer: "On Saturdays we are open from 9 AM to 1 PM.",
        summary: "about the opening hours",
        types: 0,
    },
    Topic {
        ask: "Where exactly are you located?",
        answer: "We are right downtown, next to the central station.",
        summary: "for directions",
        types: 0,
    },
    Topic {
        ask: "Do you accept my insurance?",
        answer: "We accept most major providers; which one do you have?",
        summary: "about insurance coverage",
        types: bits(&["KNOWLEDGE_BASE"]),
    },
    Topic {
        ask: "How much does a consultation cost?",
        answer: "A first consultation is free of charge.",
        summary: "about pricing",
        types: bits(&["KNOWLEDGE_BASE"]),
    },
    Topic {
        ask: "I'd like to book an appointment for next week.",
        answer: "Sure, let me check what we have available.",
        summary: "to book an appointment",
        types: bits(&["APPOINTMENT_BOOKING", "SMS"]),
    },
    Topic {
        ask: "I need to reschedule my appointment.",
        answer: "No problem, which day works better for you?",
        summary: "to reschedule an appointment",
        types: bits(&["APPOINTMENT_BOOKING"]),
    },
    Topic {
        ask: "Can I speak to someone about my invoice?",
        answer: "Of course, let me get you to our billing team.",
        summary: "about an invoice",
        types: bits(&["CALL_TRANSFER", "WORKFLOW_TRIGGER"]),
    },
    Topic {
        ask: "I have an urgent problem and need help today.",
        answer: "I understand, let me get you to the right person.",
        summary: "with an urgent request",
        types: bits(&["CALL_TRANSFER"]),
    },
    Topic {
        ask: "Could someone call me back tomorrow morning?",
        answer: "Of course, I'll make sure the team calls you back.",
        summary: "to ask for a call back",
        types: bits(&["WORKFLOW_TRIGGER"]),
    },
    Topic {
        ask: "I'm new here and would like a quote.",
        answer: "Happy to help; let me take down a few details first.",
        summary: "as a new customer asking for a quote",
        types: bits(&["DATA_EXTRACTION", "IN_CALL_DATA_EXTRACTION"]),
    },
    Topic {
        ask: "Can you text me the details?",
        answer: "Sure, I can send them to this number.",
        summary: "to get the details by text",
        types: bits(&["SMS"]),
    },
    Topic {
        ask: "What's the status of my order?",
        answer: "Let me look that up for you.",
        summary: "about an order's status",
        types: bits(&["CUSTOM_ACTION"]),
    },
];

/// What the summary says an action achieved.
fn outcome(action: &ActionSnap) -> String {
    let named = |v: &str| -> Option<String> {
        action
            .parameters
            .get(v)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    match action.action_type.as_str() {
        "CALL_TRANSFER" => match named("transferToValue") {
            Some(to) => format!("The call was transferred to {to}."),
            None => "The call was transferred to a team member.".to_owned(),
        },
        "DATA_EXTRACTION" | "IN_CALL_DATA_EXTRACTION" => {
            "The caller's name, email and city were captured.".to_owned()
        }
        "WORKFLOW_TRIGGER" => format!("The \"{}\" workflow was started.", action.name),
        "SMS" => "A text message with the details was sent.".to_owned(),
        "APPOINTMENT_BOOKING" => "An appointment was booked.".to_owned(),
        "CUSTOM_ACTION" => format!("\"{}\" was run.", action.name),
        _ => "The answer came from the knowledge base.".to_owned(),
    }
}

/// What the caller says after an action of this type.
fn reply_line(action_type: &str) -> &'static str {
    match action_type {
        "CALL_TRANSFER" => "Okay, I'll hold.",
        "DATA_EXTRACTION" | "IN_CALL_DATA_EXTRACTION" => "Sure, let me spell them out.",
        "SMS" => "Got it, thanks.",
        "APPOINTMENT_BOOKING" => "Perfect, see you then.",
        _ => "Okay, thank you.",
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_type_leads_to_some_topic_and_some_topics_need_no_action() {
        for (i, name) in ACTION_TYPES.iter().enumerate() {
            assert!(
                TOPICS.iter().any(|t| t.types & (1 << i) != 0),
                "no topic for {name}"
            );
        }
        assert!(TOPICS.iter().any(|t| t.types == 0));
    }
}
