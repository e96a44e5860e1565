//! Path segments of text and parameters working end to end (`tests/fixtures/odata_segments`):
//! OData function and key segments shaped like Microsoft Graph's
//! (`microsoft.graph.delta(token='{token}')`, `servicePrincipals(appId='{appId}')`) and
//! `{Sid}.json`-style ones. The generated client calls the generated server over 127.0.0.1 with
//! awkward values; the server echoes the values it read and a recording layer keeps the exact
//! path each request arrived with. Hand-written requests check the server on its own: other
//! encoders' spellings, siblings of one shape told apart, `404` for a segment of another shape
//! and `400` for a value that does not type.

use std::fmt::Display;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::{self, Next};
use photo_api::emulator::{TokenSpec, tokens};
use photo_api::runtime::client::Client;
use photo_api::runtime::server::{self as rt, JwtAuthorizer, RequestContext};
use photo_tests::loopback::{self, Served};
use photo_tests::odata_segments::client::{ApiClient, UsersGetUserResponse};
use photo_tests::odata_segments::models::{MicrosoftGraphActivityInterval, MicrosoftGraphEcho};
use photo_tests::odata_segments::server::{self as generated, Api, router};
use serde_json::Value;

const SECRET: &str = "odata segments test secret, not for production";

/// The server's answer: which operation was reached and the values it read, as text.
fn echo(operation: &str, values: &[&dyn Display]) -> generated::UsersGetUserResponse {
    generated::UsersGetUserResponse::Ok {
        body: MicrosoftGraphEcho {
            operation: Some(operation.to_owned()),
            values: Some(values.iter().map(ToString::to_string).collect()),
        },
    }
}

struct Echo;

impl Api for Echo {
    async fn users_get_user(
        &self,
        _: RequestContext,
        request: generated::UsersGetUserRequest,
    ) -> generated::UsersGetUserResponse {
        echo("getUser", &[&request.user_id])
    }

    async fn users_user_delta(
        &self,
        _: RequestContext,
        request: generated::UsersUserDeltaRequest,
    ) -> generated::UsersUserDeltaResponse {
        echo("delta", &[&request.user_id])
    }

    async fn users_user_delta_with_token(
        &self,
        _: RequestContext,
        request: generated::UsersUserDeltaWithTokenRequest,
    ) -> generated::UsersUserDeltaWithTokenResponse {
        echo("deltaWithToken", &[&request.user_id, &request.token])
    }

    async fn users_mailbox_settings_allowed_calendar_sharing_roles(
        &self,
        _: RequestContext,
        request: generated::UsersMailboxSettingsAllowedCalendarSharingRolesRequest,
    ) -> generated::UsersMailboxSettingsAllowedCalendarSharingRolesResponse {
        echo(
            "allowedCalendarSharingRoles",
            &[&request.user_id, &request.user],
        )
    }

    async fn me_get_activities_by_interval(
        &self,
        _: RequestContext,
        request: generated::MeGetActivitiesByIntervalRequest,
    ) -> generated::MeGetActivitiesByIntervalResponse {
        echo(
            "myActivities",
            &[
                &request.start_date_time,
                &request.end_date_time,
                &request.interval,
            ],
        )
    }

    async fn reports_get_email_activity_counts(
        &self,
        _: RequestContext,
        request: generated::ReportsGetEmailActivityCountsRequest,
    ) -> generated::ReportsGetEmailActivityCountsResponse {
        echo("emailActivityCounts", &[&request.period])
    }

    async fn reports_get_email_activity_user_detail_fe32(
        &self,
        _: RequestContext,
        request: generated::ReportsGetEmailActivityUserDetailFe32Request,
    ) -> generated::ReportsGetEmailActivityUserDetailFe32Response {
        echo("emailActivityUserDetailByDate", &[&request.date])
    }

    async fn reports_get_email_activity_user_detail_a1b2(
        &self,
        _: RequestContext,
        request: generated::ReportsGetEmailActivityUserDetailA1b2Request,
    ) -> generated::ReportsGetEmailActivityUserDetailA1b2Response {
        echo("emailActivityUserDetailByPeriod", &[&request.period])
    }

    async fn reports_get_printer_archived_print_jobs(
        &self,
        _: RequestContext,
        request: generated::ReportsGetPrinterArchivedPrintJobsRequest,
    ) -> generated::ReportsGetPrinterArchivedPrintJobsResponse {
        echo(
            "printerArchivedPrintJobs",
            &[
                &request.printer_id,
                &request.start_date_time,
                &request.end_date_time,
            ],
        )
    }

    async fn drives_get_items(
        &self,
        _: RequestContext,
        request: generated::DrivesGetItemsRequest,
    ) -> generated::DrivesGetItemsResponse {
        echo("getItem", &[&request.drive_id, &request.drive_item_id])
    }

    async fn drives_drive_items_drive_item_get_activities_by_interval(
        &self,
        _: RequestContext,
        request: generated::DrivesDriveItemsDriveItemGetActivitiesByIntervalRequest,
    ) -> generated::DrivesDriveItemsDriveItemGetActivitiesByIntervalResponse {
        echo(
            "itemActivities",
            &[
                &request.drive_id,
                &request.drive_item_id,
                &request.start_date_time,
                &request.end_date_time,
                &request.interval,
            ],
        )
    }

    async fn drives_drive_recent(
        &self,
        _: RequestContext,
        request: generated::DrivesDriveRecentRequest,
    ) -> generated::DrivesDriveRecentResponse {
        echo(
            "recent",
            &[&request.drive_id, &request.top, &request.include_shared],
        )
    }

    async fn drives_drive_search(
        &self,
        _: RequestContext,
        request: generated::DrivesDriveSearchRequest,
    ) -> generated::DrivesDriveSearchResponse {
        echo("search", &[&request.drive_id, &request.q])
    }

    async fn service_principals_service_principal_get_by_app_id(
        &self,
        _: RequestContext,
        request: generated::ServicePrincipalsServicePrincipalGetByAppIdRequest,
    ) -> generated::ServicePrincipalsServicePrincipalGetByAppIdResponse {
        echo("servicePrincipalByAppId", &[&request.app_id])
    }

    async fn accounts_get_account(
        &self,
        _: RequestContext,
        request: generated::AccountsGetAccountRequest,
    ) -> generated::AccountsGetAccountResponse {
        echo("getAccount", &[&request.account_id])
    }

    async fn accounts_get_account_json(
        &self,
        _: RequestContext,
        request: generated::AccountsGetAccountJsonRequest,
    ) -> generated::AccountsGetAccountJsonResponse {
        echo("getAccountJson", &[&request.sid])
    }

    async fn files_get_file(
        &self,
        _: RequestContext,
        request: generated::FilesGetFileRequest,
    ) -> generated::FilesGetFileResponse {
        echo("getFile", &[&request.name, &request.ext])
    }
}

/// The path prefix of the description's server URL (`https://graph.microsoft.com/v1.0/`), under
/// which the generated router serves its operations.
const PREFIX: &str = "/v1.0";

/// The generated server on a loopback port, with the path of every request it receives
/// recorded as sent (below [`PREFIX`]); a client and a token for it.
struct Harness {
    served: Served,
    paths: Arc<Mutex<Vec<String>>>,
    graph: ApiClient,
    token: String,
}

impl Harness {
    async fn start() -> Harness {
        let paths = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&paths);
        let config = rt::ServerConfig::new(JwtAuthorizer::hs256(SECRET));
        let app = router(Arc::new(Echo), config).layer(middleware::from_fn(
            move |request: Request, next: Next| {
                if let Ok(mut paths) = recorded.lock() {
                    let path = request.uri().path();
                    paths.push(path.strip_prefix(PREFIX).unwrap_or(path).to_owned());
                }
                next.run(request)
            },
        ));
        let served = loopback::serve(app).await;
        let token = tokens::mint(
            &TokenSpec::delegated("reader", ["Reports.Read.All"]),
            SECRET.as_bytes(),
        )
        .expect("a token");
        let http = Client::builder()
            .base_url(format!("{}{PREFIX}", served.origin))
            .static_token(token.clone())
            .build()
            .expect("the client builds");
        Harness {
            served,
            paths,
            graph: ApiClient::new(http),
            token,
        }
    }

    /// The path the last request arrived with.
    fn last_path(&self) -> String {
        self.paths
            .lock()
            .expect("the recorded paths")
            .last()
            .cloned()
            .expect("a request arrived")
    }

    /// A hand-written `GET` of `path` (sent exactly as written): its status and JSON body.
    async fn raw(&self, path: &str) -> (u16, Value) {
        let response = reqwest::Client::new()
            .get(format!("{}{PREFIX}{path}", self.served.origin))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("the raw request");
        let status = response.status().as_u16();
        let body = response.json().await.expect("a JSON body");
        assert_eq!(self.last_path(), path, "the path arrived as written");
        (status, body)
    }

    /// What a hand-written `GET` of `path` reached: the operation and its values.
    async fn reached(&self, path: &str) -> (String, Vec<String>) {
        let (status, body) = self.raw(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        let echo: MicrosoftGraphEcho = serde_json::from_value(body).expect("an echo");
        (
            echo.operation.unwrap_or_default(),
            echo.values.unwrap_or_default(),
        )
    }
}

/// The operation and values a generated call's echo carries.
fn echoed(
    answer: Result<UsersGetUserResponse, photo_api::runtime::client::Error>,
) -> (String, Vec<String>) {
    let UsersGetUserResponse::Ok { body } = answer.expect("the call succeeds");
    (
        body.operation.unwrap_or_default(),
        body.values.unwrap_or_default(),
    )
}

fn texts(values: &[&str]) -> Vec<String> {
    values.iter().map(|value| (*value).to_owned()).collect()
}

/// The Graph error code of a refusal's body.
fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

async fn within_a_minute(test: impl Future<Output = ()>) {
    tokio::time::timeout(Duration::from_secs(60), test)
        .await
        .expect("the test finishes within a minute");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_generated_client_writes_function_segments_the_server_reads_back() {
    within_a_minute(async {
        let harness = Harness::start().await;
        let graph = &harness.graph;

        let token = "O'Neil's token/with spaces?&#";
        let answer = graph
            .users()
            .by_id("adele@contoso.com")
            .microsoft_graph_delta_with_token(token)
            .get()
            .await;
        assert_eq!(
            echoed(answer),
            (
                "deltaWithToken".into(),
                texts(&["adele@contoso.com", token])
            )
        );
        assert_eq!(
            harness.last_path(),
            "/users/adele@contoso.com/microsoft.graph.delta(token='O%27%27Neil%27%27s%20token%2Fwith%20spaces%3F%26%23')"
        );

        // A key that starts with `$` travels in OData's key form, before a function segment
        // too; and `/users('$x')` is routed to the user even though the root's alternate-key
        // segment `servicePrincipals(appId='{appId}')` shares its shape.
        let answer = graph
            .users()
            .by_id("$x@contoso.com")
            .microsoft_graph_delta_with_token("t")
            .get()
            .await;
        assert_eq!(
            echoed(answer),
            ("deltaWithToken".into(), texts(&["$x@contoso.com", "t"]))
        );
        assert_eq!(
            harness.last_path(),
            "/users('$x@contoso.com')/microsoft.graph.delta(token='t')"
        );
        let answer = graph.users().by_id("$x").get().await;
        assert_eq!(echoed(answer), ("getUser".into(), texts(&["$x"])));
        assert_eq!(harness.last_path(), "/users('$x')");

        // The literal sibling `microsoft.graph.delta()` keeps its own accessor and route.
        let answer = graph
            .users()
            .by_id("adele")
            .microsoft_graph_delta()
            .get()
            .await;
        assert_eq!(echoed(answer), ("delta".into(), texts(&["adele"])));
        assert_eq!(harness.last_path(), "/users/adele/microsoft.graph.delta()");

        let answer = graph
            .users()
            .by_id("o'brien")
            .mailbox_settings()
            .microsoft_graph_allowed_calendar_sharing_roles("Zoë 'Z' Ünal")
            .get()
            .await;
        assert_eq!(
            echoed(answer),
            (
                "allowedCalendarSharingRoles".into(),
                texts(&["o'brien", "Zoë 'Z' Ünal"])
            )
        );
        assert_eq!(
            harness.last_path(),
            "/users/o%27brien/mailboxSettings/microsoft.graph.allowedCalendarSharingRoles(User='Zo%C3%AB%20%27%27Z%27%27%20%C3%9Cnal')"
        );

        let answer = graph
            .me()
            .microsoft_graph_get_activities_by_interval(
                "2024-01-01T00:00:00Z",
                "2024-01-31T23:59:59+01:00",
                MicrosoftGraphActivityInterval::Week,
            )
            .get()
            .await;
        assert_eq!(
            echoed(answer),
            (
                "myActivities".into(),
                texts(&["2024-01-01T00:00:00Z", "2024-01-31T23:59:59+01:00", "week"])
            )
        );
        assert_eq!(
            harness.last_path(),
            "/me/microsoft.graph.getActivitiesByInterval(startDateTime='2024-01-01T00:00:00Z',endDateTime='2024-01-31T23:59:59%2B01:00',interval='week')"
        );

        let answer = graph
            .drives()
            .by_id("b!x")
            .items()
            .by_id("01/AB")
            .microsoft_graph_get_activities_by_interval(
                "2024-02-01",
                "2024-02-29",
                MicrosoftGraphActivityInterval::Day,
            )
            .get()
            .await;
        assert_eq!(
            echoed(answer),
            (
                "itemActivities".into(),
                texts(&["b!x", "01/AB", "2024-02-01", "2024-02-29", "day"])
            )
        );
        assert_eq!(
            harness.last_path(),
            "/drives/b!x/items/01%2FAB/microsoft.graph.getActivitiesByInterval(startDateTime='2024-02-01',endDateTime='2024-02-29',interval='day')"
        );

        // Numbers and booleans are written as they are.
        let answer = graph
            .drives()
            .by_id("d1")
            .microsoft_graph_recent(-5, true)
            .get()
            .await;
        assert_eq!(
            echoed(answer),
            ("recent".into(), texts(&["d1", "-5", "true"]))
        );
        assert_eq!(
            harness.last_path(),
            "/drives/d1/microsoft.graph.recent(top=-5,includeShared=true)"
        );

        let answer = graph
            .drives()
            .by_id("d1")
            .microsoft_graph_search("')")
            .get()
            .await;
        assert_eq!(echoed(answer), ("search".into(), texts(&["d1", "')"])));
        assert_eq!(
            harness.last_path(),
            "/drives/d1/microsoft.graph.search(q='%27%27)')"
        );

        // Overloads of one function are told apart by their parameters.
        let reports = graph.reports();
        let answer = reports
            .microsoft_graph_get_email_activity_user_detail("2024-03-01")
            .get()
            .await;
        assert_eq!(
            echoed(answer),
            ("emailActivityUserDetailByDate".into(), texts(&["2024-03-01"]))
        );
        assert_eq!(
            harness.last_path(),
            "/reports/microsoft.graph.getEmailActivityUserDetail(date=2024-03-01)"
        );
        let answer = reports
            .microsoft_graph_get_email_activity_user_detail_with_period("D7")
            .get()
            .await;
        assert_eq!(
            echoed(answer),
            ("emailActivityUserDetailByPeriod".into(), texts(&["D7"]))
        );
        let answer = reports
            .microsoft_graph_get_email_activity_counts("D30")
            .get()
            .await;
        assert_eq!(
            echoed(answer),
            ("emailActivityCounts".into(), texts(&["D30"]))
        );
        assert_eq!(
            harness.last_path(),
            "/reports/microsoft.graph.getEmailActivityCounts(period='D30')"
        );

        // Quoted and unquoted parameters in one call, as Graph's report functions have them.
        let answer = reports
            .microsoft_graph_get_printer_archived_print_jobs(
                "printer, 'A'",
                "2024-01-01T00:00:00Z",
                "2024-01-31T23:59:59.5+01:00",
            )
            .get()
            .await;
        assert_eq!(
            echoed(answer),
            (
                "printerArchivedPrintJobs".into(),
                texts(&[
                    "printer, 'A'",
                    "2024-01-01T00:00:00Z",
                    "2024-01-31T23:59:59.5+01:00"
                ])
            )
        );
        assert_eq!(
            harness.last_path(),
            "/reports/microsoft.graph.getPrinterArchivedPrintJobs(printerId='printer,%20%27%27A%27%27',startDateTime=2024-01-01T00:00:00Z,endDateTime=2024-01-31T23:59:59.5%2B01:00)"
        );

        let app_id = "00000003-0000-0000-c000-000000000000";
        let answer = graph.service_principals(app_id).get().await;
        assert_eq!(
            echoed(answer),
            ("servicePrincipalByAppId".into(), texts(&[app_id]))
        );
        assert_eq!(
            harness.last_path(),
            format!("/servicePrincipals(appId='{app_id}')")
        );

        // Outside OData's parentheses: `{Sid}.json` beside `{account-id}`, `{name}.{ext}`.
        let answer = graph.accounts().sid_json("AC.json 1").get().await;
        assert_eq!(
            echoed(answer),
            ("getAccountJson".into(), texts(&["AC.json 1"]))
        );
        assert_eq!(harness.last_path(), "/accounts/AC%2Ejson%201.json");
        let answer = graph.accounts().by_id("AC.json 1").get().await;
        assert_eq!(echoed(answer), ("getAccount".into(), texts(&["AC.json 1"])));
        assert_eq!(harness.last_path(), "/accounts/AC.json%201");
        let answer = graph.files().name_ext("report.final", "tar.gz").get().await;
        assert_eq!(
            echoed(answer),
            ("getFile".into(), texts(&["report.final", "tar.gz"]))
        );
        assert_eq!(harness.last_path(), "/files/report%2Efinal.tar.gz");

        harness.served.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_generated_server_reads_hand_written_segments() {
    within_a_minute(async {
        let harness = Harness::start().await;

        // Quotes sent percent-encoded, or doubled and sent as they are, read as OData reads them.
        assert_eq!(
            harness
                .reached("/users/u1/microsoft.graph.delta(token=%27O%27%27Neil%27)")
                .await,
            ("deltaWithToken".into(), texts(&["u1", "O'Neil"]))
        );
        assert_eq!(
            harness
                .reached("/users/u1/microsoft.graph.delta(token='O''Neil%2F%E2%9C%93')")
                .await,
            ("deltaWithToken".into(), texts(&["u1", "O'Neil/✓"]))
        );
        assert_eq!(
            harness
                .reached("/users/u1/microsoft.graph.delta(token='')")
                .await,
            ("deltaWithToken".into(), texts(&["u1", ""]))
        );
        assert_eq!(
            harness.reached("/users/u1/microsoft.graph.delta()").await,
            ("delta".into(), texts(&["u1"]))
        );
        assert_eq!(
            harness.reached("/users/u1").await,
            ("getUser".into(), texts(&["u1"]))
        );
        assert_eq!(
            harness
                .reached("/drives/d1/microsoft.graph.recent(top=10,includeShared=FALSE)")
                .await,
            ("recent".into(), texts(&["d1", "10", "false"]))
        );

        // One shape, several operations: the segment's text picks the one.
        assert_eq!(
            harness
                .reached("/reports/microsoft.graph.getEmailActivityUserDetail(date=2024-03-01)")
                .await,
            ("emailActivityUserDetailByDate".into(), texts(&["2024-03-01"]))
        );
        assert_eq!(
            harness
                .reached("/reports/microsoft.graph.getEmailActivityUserDetail(period='D7')")
                .await,
            ("emailActivityUserDetailByPeriod".into(), texts(&["D7"]))
        );
        assert_eq!(
            harness
                .reached("/reports/microsoft.graph.getPrinterArchivedPrintJobs(printerId='p1',startDateTime=2024-01-01T00:00:00Z,endDateTime=2024-01-02T00:00:00%2B02:00)")
                .await,
            (
                "printerArchivedPrintJobs".into(),
                texts(&["p1", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00+02:00"])
            )
        );
        assert_eq!(
            harness.reached("/accounts/AC1.json").await,
            ("getAccountJson".into(), texts(&["AC1"]))
        );
        assert_eq!(
            harness.reached("/accounts/AC1.json.json").await,
            ("getAccountJson".into(), texts(&["AC1.json"]))
        );
        assert_eq!(
            harness.reached("/accounts/AC1.xml").await,
            ("getAccount".into(), texts(&["AC1.xml"]))
        );
        assert_eq!(
            harness.reached("/files/archive.tar.gz").await,
            ("getFile".into(), texts(&["archive", "tar.gz"]))
        );

        // A segment of another shape is an unknown path.
        for path in [
            "/reports/microsoft.graph.getEmailActivityCounts(period=D7)",
            "/reports/microsoft.graph.getEmailActivityCounts(period='D7'",
            "/reports/microsoft.graph.getEmailActivityCount(period='D7')",
            "/users/u1/microsoft.graph.delta(token='O'Neil')",
            "/users/u1/microsoft.graph.delta(skip='1')",
            "/me/microsoft.graph.getActivitiesByInterval(startDateTime='a',interval='day')",
            "/files/noextension",
            "/servicePrincipals(id='1')",
        ] {
            let (status, body) = harness.raw(path).await;
            assert_eq!((status, code(&body)), (404, "Request_ResourceNotFound"), "{path}: {body}");
        }

        // A value that does not type is a bad request, as for any path parameter.
        for (path, named) in [
            (
                "/drives/d1/microsoft.graph.recent(top=ten,includeShared=true)",
                "top",
            ),
            (
                "/drives/d1/microsoft.graph.recent(top=99999999999,includeShared=true)",
                "top",
            ),
            (
                "/drives/d1/microsoft.graph.recent(top=1,includeShared=yes)",
                "include_shared",
            ),
            (
                "/me/microsoft.graph.getActivitiesByInterval(startDateTime='a',endDateTime='b',interval='year')",
                "interval",
            ),
            ("/users/u1/microsoft.graph.delta(token='%FF')", "token"),
        ] {
            let (status, body) = harness.raw(path).await;
            assert_eq!((status, code(&body)), (400, "BadRequest"), "{path}: {body}");
            let message = body["error"]["message"].as_str().unwrap_or_default();
            assert!(message.contains(named), "{path}: {message}");
        }

        harness.served.stop().await;
    })
    .await;
}
