//! A stateful in-memory test double of HighLevel's Voice AI and Conversation AI APIs.
