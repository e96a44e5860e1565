//! Microsoft's Mail module, generated whole: the generated client reads a message by its keys
//! from the generated server stub over 127.0.0.1, and the message, one of Graph's large entity
//! types, comes back typed.

mod support;

use corpus::client::UsersGetMessagesResponse;
use corpus::models::MicrosoftGraphMessage;
use corpus::server::{self, PartialApi};
use photo_runtime::server::RequestContext;

struct Mailbox;

impl PartialApi for Mailbox {
    async fn users_get_messages(
        &self,
        _context: RequestContext,
        request: server::UsersGetMessagesRequest,
    ) -> server::UsersGetMessagesResponse {
        assert_eq!(request.user_id, "adele@contoso.com");
        assert_eq!(request.message_id, "AAMkAGVmMDEz=");
        server::UsersGetMessagesResponse::Ok { body: message() }
    }
}

fn message() -> MicrosoftGraphMessage {
    serde_json::from_value(serde_json::json!({
        "id": "AAMkAGVmMDEz=",
        "subject": "Quarterly review",
        "isRead": false,
        "importance": "high",
        "from": {"emailAddress": {"name": "Megan Bowen", "address": "megan@contoso.com"}},
        "toRecipients": [{"emailAddress": {"address": "adele@contoso.com"}}],
        "body": {"contentType": "text", "content": "See you at ten."}
    }))
    .expect("a message")
}

#[tokio::test]
async fn a_message_is_read_by_its_keys() -> Result<(), Box<dyn std::error::Error>> {
    let graph = support::stub(Mailbox, &["Mail.Read"]).await?;
    let item = graph
        .users()
        .by_id("adele@contoso.com")
        .messages()
        .by_id("AAMkAGVmMDEz=");
    let UsersGetMessagesResponse::Ok { body } = item.get().await?;
    assert_eq!(body, message());
    Ok(())
}
