//! Auto-pagination: lazy streams over the `page`/`pageSize` lists of the Voice AI API.
//!
//! Each stream takes a closure that configures the generated request builder (location,
//! filters, sort, page size) and sets `page` itself, fetching the next page only when the
//! consumer has taken every item of the previous one.

use futures::StreamExt as _;
use futures::stream::BoxStream;
use highlevel_client_core::{ApiError, Page, paged_stream};

use crate::{Client, builder, types};

impl Client {
    /// Streams every agent of a location, page by page.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), voice_ai_client::ApiError> {
    /// # let mock = mock_server::MockServer::builder()
    /// #     .fixtures(mock_server::Fixtures::demo(mock_server::DEFAULT_SEED))
    /// #     .start()
    /// #     .await;
    /// # let client = voice_ai_client::Client::from_config(
    /// #     voice_ai_client::ClientConfig::new(voice_ai_client::Token::new(mock.dev_token())).base_url(mock.uri()),
    /// # )?;
    /// # let location = mock.location_id();
    /// use voice_ai_client::TryStreamExt as _;
    /// // Two agents per request: the demo location's three agents take two requests.
    /// let agents: Vec<_> = client
    ///     .list_agents_stream(|request| request.location_id(location).page_size(2))
    ///     .try_collect()
    ///     .await?;
    /// assert_eq!(agents.len(), 3);
    /// # assert_eq!(mock.received_requests().len(), 2);
    /// # Ok(()) }
    /// ```
    pub fn list_agents_stream<'a, F>(
        &'a self,
        configure: F,
    ) -> BoxStream<'a, Result<types::AgentWithActions, ApiError>>
    where
        F: Fn(builder::ListAgents<'a>) -> builder::ListAgents<'a> + Send + 'a,
    {
        paged_stream(move |page| {
            let request = configure(self.list_agents()).page(page);
            async move {
                let body = request.send().await?.into_inner();
                Ok(page_of(body.agents, body.total, body.page_size))
            }
        })
        .boxed()
    }

    /// Streams every call log matching the filters the closure sets, page by page.
    pub fn list_call_logs_stream<'a, F>(
        &'a self,
        configure: F,
    ) -> BoxStream<'a, Result<types::CallLog, ApiError>>
    where
        F: Fn(builder::ListCallLogs<'a>) -> builder::ListCallLogs<'a> + Send + 'a,
    {
        paged_stream(move |page| {
            let request = configure(self.list_call_logs()).page(page);
            async move {
                let body = request.send().await?.into_inner();
                Ok(page_of(body.call_logs, body.total, body.page_size))
            }
        })
        .boxed()
    }

    /// Streams every voice of the catalog matching the filters the closure sets.
    pub fn list_voices_stream<'a, F>(
        &'a self,
        configure: F,
    ) -> BoxStream<'a, Result<types::Voice, ApiError>>
    where
        F: Fn(builder::ListVoices<'a>) -> builder::ListVoices<'a> + Send + 'a,
    {
        paged_stream(move |page| {
            let request = configure(self.list_voices()).page(page);
            async move {
                let body = request.send().await?.into_inner();
                Ok(page_of(body.voices, body.total, body.page_size))
            }
        })
        .boxed()
    }
}

/// A page as the pagination helper sees it.
fn page_of<T>(items: Vec<T>, total: u32, page_size: u32) -> Page<T> {
    Page::new(items, u64::from(total), page_size)
}
