//! Auto-pagination: a lazy stream over `searchAgents`, which pages with a cursor
//! (`startAfter`, the id of the last agent of the previous page) and a `limit`.

use futures::StreamExt as _;
use futures::stream::BoxStream;
use highlevel_client_core::{ApiError, cursor_stream};

use crate::{Client, builder, types};

impl Client {
    /// Streams every agent `searchAgents` finds, `limit` agents per request.
    ///
    /// The closure sets the other filters (`query`); the stream sets `limit` and `startAfter`.
    /// A page shorter than `limit` is the last one, so no request is made past the end
    /// (unless the last page is exactly full, which costs one empty request).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), conversation_ai_client::ApiError> {
    /// # let mock = mock_server::MockServer::start().await;
    /// # let client = conversation_ai_client::Client::from_config(
    /// #     conversation_ai_client::ClientConfig::new(conversation_ai_client::Token::new(mock.dev_token())).base_url(mock.uri()),
    /// # )?;
    /// # for name in ["Support", "Support Nights", "Sales"] {
    /// #     client.create_agent().name(name).personality("Kind").goal("Help").instructions("Be brief").send().await?;
    /// # }
    /// use conversation_ai_client::TryStreamExt as _;
    /// let agents: Vec<_> = client
    ///     .search_agents_stream(50, |request| request.query("support"))
    ///     .try_collect()
    ///     .await?;
    /// let names: Vec<&str> = agents.iter().map(|agent| agent.name.as_str()).collect();
    /// assert_eq!(names, ["Support", "Support Nights"]);
    /// # Ok(()) }
    /// ```
    pub fn search_agents_stream<'a, F>(
        &'a self,
        limit: u32,
        configure: F,
    ) -> BoxStream<'a, Result<types::AgentListItem, ApiError>>
    where
        F: Fn(builder::SearchAgents<'a>) -> builder::SearchAgents<'a> + Send + 'a,
    {
        let limit = limit.max(1);
        cursor_stream(move |cursor: Option<String>| {
            let mut request = configure(self.search_agents()).limit(limit);
            if let Some(cursor) = cursor {
                request = request.start_after(cursor);
            }
            async move {
                // The live API was seen leaving `agents` out: read that as an empty page.
                let agents = request
                    .send()
                    .await?
                    .into_inner()
                    .agents
                    .unwrap_or_default();
                let full = agents.len() >= limit as usize;
                let next = full
                    .then(|| agents.last().map(|agent| agent.id.clone()))
                    .flatten();
                Ok((agents, next))
            }
        })
        .boxed()
    }
}
