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
    /// ```no_run
    /// # async fn demo(client: voice_ai_client::Client) -> Result<(), voice_ai_client::ApiError> {
    /// use futures::TryStreamExt as _;
    /// let agents: Vec<_> = client
    ///     .list_agents_stream(|request| request.location_id("ve9EPM428h8vShlRW1KT").page_size(50))
    ///     .try_collect()
    ///     .await?;
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

/// A page as the pagination helper sees it; negative counts from a server are read as 0.
fn page_of<T>(items: Vec<T>, total: i32, page_size: i32) -> Page<T> {
    Page::new(
        items,
        u64::try_from(total).unwrap_or(0),
        u32::try_from(page_size).unwrap_or(0),
    )
}
