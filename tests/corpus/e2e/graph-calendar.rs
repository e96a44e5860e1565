//! Microsoft's Calendar module, generated whole: the generated client asks the generated server
//! stub over 127.0.0.1 for a user's calendar view, with the two query parameters Graph requires
//! and an optional one, and the events come back typed.

mod support;

use corpus::client::UsersCalendarListCalendarViewResponse;
use corpus::models::MicrosoftGraphEventCollectionResponse;
use corpus::server::{self, PartialApi};
use photo_runtime::server::RequestContext;

const START: &str = "2026-12-07T09:00:00+01:00";
const END: &str = "2026-12-07T18:00:00+01:00";

struct Calendar;

impl PartialApi for Calendar {
    async fn users_calendar_list_calendar_view(
        &self,
        _context: RequestContext,
        request: server::UsersCalendarListCalendarViewRequest,
    ) -> server::UsersCalendarListCalendarViewResponse {
        assert_eq!(request.user_id, "adele@contoso.com");
        assert_eq!(
            (
                request.start_date_time.as_str(),
                request.end_date_time.as_str()
            ),
            (START, END)
        );
        assert_eq!(request.top, Some(5));
        server::UsersCalendarListCalendarViewResponse::Ok { body: events() }
    }
}

fn events() -> MicrosoftGraphEventCollectionResponse {
    serde_json::from_value(serde_json::json!({
        "value": [
            {"id": "e1", "subject": "Standup", "start": {"dateTime": "2026-12-07T09:30:00", "timeZone": "Europe/Paris"}},
            {"id": "e2", "subject": "Design review", "isOnlineMeeting": true}
        ]
    }))
    .expect("events")
}

#[tokio::test]
async fn a_calendar_view_is_read_with_its_time_range() -> Result<(), Box<dyn std::error::Error>> {
    let graph = support::stub(Calendar, &["Calendars.Read"]).await?;
    let view = graph
        .users()
        .by_id("adele@contoso.com")
        .calendar()
        .calendar_view();
    let UsersCalendarListCalendarViewResponse::Ok { body } =
        view.get(START.into(), END.into()).top(5).await?;
    assert_eq!(body, events());
    Ok(())
}
