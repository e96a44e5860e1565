//! Microsoft's Reports module, generated whole: the generated client calls an OData function,
//! `GET /reports/microsoft.graph.getEmailActivityCounts(period='{period}')`, on the generated
//! server stub over 127.0.0.1. The period travels quoted inside the path segment and reaches the
//! handler as it was given; the CSV the handler answers comes back whole.

mod support;

use corpus::client::ReportsGetEmailActivityCountsResponse;
use corpus::server::{self, PartialApi};
use photo_runtime::server::{BinaryContent, RequestContext};

const CSV: &str = "Report Refresh Date,Send,Receive,Read,Report Date,Report Period\n2026-12-06,12,40,38,2026-12-06,7\n";

struct Reports;

impl PartialApi for Reports {
    async fn reports_get_email_activity_counts(
        &self,
        _context: RequestContext,
        request: server::ReportsGetEmailActivityCountsRequest,
    ) -> server::ReportsGetEmailActivityCountsResponse {
        assert_eq!(request.period, "D7");
        server::ReportsGetEmailActivityCountsResponse::Ok {
            body: BinaryContent {
                media_type: "text/csv".into(),
                bytes: CSV.into(),
            },
        }
    }
}

#[tokio::test]
async fn an_odata_function_is_called_with_its_parameter() -> Result<(), Box<dyn std::error::Error>>
{
    let graph = support::stub(Reports, &["Reports.Read.All"]).await?;
    let report = graph
        .reports()
        .microsoft_graph_get_email_activity_counts("D7");
    let ReportsGetEmailActivityCountsResponse::Ok { body } = report.get().await?;
    assert_eq!(body.bytes().await?, CSV.as_bytes());
    Ok(())
}
