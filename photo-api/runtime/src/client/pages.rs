//! Lists that continue at a next link (Graph's `@odata.nextLink`, declared by `x-ms-pageable`):
//! a stream of every item of every page, each page requested like the first.

use std::sync::Arc;

use futures_util::stream::{self, Stream, TryStreamExt};
use reqwest::Url;

use super::builder::Client;
use super::call::{Call, ReadResponse};
use super::error::{Error, Refusal};
use super::request::ApiRequest;
use super::transport::same_origin;

/// One page of a list: its items and, when the list goes on, the next page's absolute URL.
#[derive(Debug)]
pub struct Page<T> {
    /// The page's items.
    pub items: Vec<T>,
    /// Where the next page is; `None` (or empty) on the last page.
    pub next_link: Option<String>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            items: Vec::new(),
            next_link: None,
        }
    }
}

/// What the stream does next.
enum Step<R> {
    /// Sends the call the caller prepared.
    First(Call<R>),
    /// Requests the page at a next link like `request` (the first request).
    Follow {
        client: Client,
        request: ApiRequest,
        next_link: String,
    },
    /// Ends the stream with an error.
    Refuse(Error),
}

impl<R: ReadResponse> Call<R> {
    /// Every item of every page: sends this call, then each page's next link, until a page has
    /// none. `page` takes the page out of an answer. Every request goes through the client as the
    /// first does (token, headers, retries, error reading); the stream ends after its first
    /// error.
    pub fn items<T, F>(self, page: F) -> impl Stream<Item = Result<T, Error>> + Send + 'static
    where
        T: Send + 'static,
        F: Fn(R) -> Page<T> + Send + Sync + 'static,
    {
        let page = Arc::new(page);
        let pages = stream::try_unfold(Some(Step::First(self)), move |step| {
            let followed = match &step {
                Some(Step::Follow { next_link, .. }) => Some(next_link.clone()),
                _ => None,
            };
            let read = step.map(fetch);
            let page = Arc::clone(&page);
            async move {
                let Some(read) = read else {
                    return Ok::<_, Error>(None);
                };
                let (client, request, answer) = read?.await?;
                let Page { items, next_link } = page(answer);
                // A page that links to itself would be requested forever: its items are given,
                // then the stream ends with the refusal.
                let next = match next_link.filter(|link| !link.is_empty()) {
                    Some(link) if followed.as_deref() == Some(link.as_str()) => {
                        Some(Step::Refuse(Error::Refused(Refusal::NextLink {
                            link,
                            reason: "is the page it came from, so following it would never end",
                        })))
                    }
                    Some(next_link) => Some(Step::Follow {
                        client,
                        request,
                        next_link,
                    }),
                    None => None,
                };
                Ok(Some((items, next)))
            }
        });
        pages
            .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
            .try_flatten()
    }
}

/// Starts one page's request; the future gives the client and first request back for the page
/// after it, with the answer.
fn fetch<R: ReadResponse>(
    step: Step<R>,
) -> Result<impl Future<Output = Result<(Client, ApiRequest, R), Error>> + Send + 'static, Error> {
    let (client, first, to_send) = match step {
        Step::Refuse(error) => return Err(error),
        Step::First(call) => {
            let (client, request, failure) = call.into_parts();
            if let Some(error) = failure {
                return Err(error);
            }
            // Kept without its body: what each next page's request is made from.
            let template = request.next_page_template();
            (client, template, request)
        }
        Step::Follow {
            client,
            request,
            next_link,
        } => {
            let url = follow(&client, &next_link)?;
            let next = request.next_page(url);
            (client, request, next)
        }
    };
    let sending = client.send(to_send);
    Ok(async move {
        let answer = R::read(sending.await?).await?;
        Ok((client, first, answer))
    })
}

/// The next link as a URL the client may send its token to.
fn follow(client: &Client, next_link: &str) -> Result<Url, Error> {
    let refuse = |reason| {
        Error::Refused(Refusal::NextLink {
            link: next_link.to_owned(),
            reason,
        })
    };
    let url = Url::parse(next_link).map_err(|_| refuse("is not an absolute URL"))?;
    // The request carries the client's bearer token: a link to another scheme, host or port
    // would hand it to whoever the page names.
    if !same_origin(&client.inner.base, &url) {
        return Err(refuse(
            "is not on the scheme, host and port of the client's base URL, so the token is not sent there",
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_absolute_links_on_the_base_urls_origin_are_followed() {
        let client = Client::builder()
            .static_token("t")
            .base_url("https://graph.microsoft.com/v1.0")
            .build()
            .expect("client");
        let followed = follow(
            &client,
            "https://graph.microsoft.com/v1.0/groups/g1/photos?$skiptoken=X",
        );
        assert_eq!(
            followed.ok().map(|url| url.query().map(str::to_owned)),
            Some(Some("$skiptoken=X".to_owned()))
        );
        for link in [
            "groups/g1/photos?$skiptoken=X",
            "http://graph.microsoft.com/v1.0/groups",
            "https://graph.microsoft.com:8443/v1.0/groups",
            "https://graph.example/v1.0/groups",
        ] {
            assert!(
                matches!(
                    follow(&client, link),
                    Err(Error::Refused(Refusal::NextLink { .. }))
                ),
                "{link}"
            );
        }
    }
}
