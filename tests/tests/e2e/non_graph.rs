//! Code generated from descriptions outside Graph working end to end: the petstore-shaped
//! fixture's generated client calls its generated server over 127.0.0.1 with an API key in a
//! header, an HTTP bearer token, and no credential for an operation anyone may call; the
//! OpenAPI-Initiative-shaped fixture does the same with an API key in the query and optional
//! security.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use photo_api::runtime::client::{Client, ClientBuilder, Credential};
use photo_api::runtime::operation::{SecuritySchemeSpec, TokenKind};
use photo_api::runtime::server::{
    self as rt, AuthError, Authorizer, InsecureAuthorizer, Principal, Rejection, RequestContext,
};
use photo_tests::loopback::{self, Served};
use photo_tests::oai_examples::client::{
    ApiClient as CatalogueClient, ListDataSetsResponse, ListVersionsResponse,
};
use photo_tests::oai_examples::models::DataSet;
use photo_tests::oai_examples::server::{self as catalogue, PartialApi as CatalogueApi};
use photo_tests::petstore_like::client::{
    ApiClient, GetInventoryResponse, LoginUserResponse, PlaceOrderResponse,
};
use photo_tests::petstore_like::models::{ApiResponse, Order, OrderStatus};
use photo_tests::petstore_like::server::{self as shop, PartialApi, router};

const SHOP_KEY: &str = "shop-key-1";
const STAFF_TOKEN: &str = "staff-token-1";

/// Serves `router` on a loopback port; returns a client builder aimed at `base_path` on it and
/// the running server.
async fn serve(router: axum::Router, base_path: &str) -> (ClientBuilder, Served) {
    let served = loopback::serve(router).await;
    let builder = Client::builder().base_url(format!("{}{base_path}", served.origin));
    (builder, served)
}

/// The shop's keys, checked by the router before the implementation is called.
struct ShopKeys;

impl Authorizer for ShopKeys {
    fn authenticate(&self, bearer_token: &str) -> Result<Principal, AuthError> {
        InsecureAuthorizer.authenticate(bearer_token)
    }

    fn verify_credential(
        &self,
        scheme: &'static SecuritySchemeSpec,
        credential: &str,
    ) -> Result<(), AuthError> {
        match scheme.name {
            "api_key" if credential != SHOP_KEY => Err(AuthError::Other("Unknown API key.".into())),
            _ => Ok(()),
        }
    }
}

/// The implementation may verify the credential the router found too.
fn verify(context: &RequestContext, expected: &str) -> Result<(), Rejection> {
    if context.principal.subject == expected {
        Ok(())
    } else {
        Err(Rejection::unauthorized("Unknown credential."))
    }
}

struct Shop;

impl PartialApi for Shop {
    async fn get_inventory(
        &self,
        context: RequestContext,
        _request: shop::GetInventoryRequest,
    ) -> shop::GetInventoryResponse {
        assert_eq!(context.principal.subject, SHOP_KEY);
        assert!(matches!(
            context.principal.kind,
            TokenKind::ApiKey {
                name: "api_key",
                ..
            }
        ));
        let body = BTreeMap::from([("available".to_owned(), 3), ("sold".to_owned(), 1)]);
        shop::GetInventoryResponse::Ok { body }
    }

    async fn place_order(
        &self,
        context: RequestContext,
        request: shop::PlaceOrderRequest,
    ) -> shop::PlaceOrderResponse {
        if let Err(rejection) = verify(&context, STAFF_TOKEN) {
            return rejection.into();
        }
        assert_eq!(context.principal.kind, TokenKind::HttpBearer);
        let body = Order {
            id: Some(7),
            status: Some(OrderStatus::Placed),
            ..request.body
        };
        shop::PlaceOrderResponse::Ok { body }
    }

    async fn find_pets_by_tags(
        &self,
        _context: RequestContext,
        _request: shop::FindPetsByTagsRequest,
    ) -> shop::FindPetsByTagsResponse {
        shop::FindPetsByTagsResponse::Ok { body: Vec::new() }
    }

    async fn upload_file(
        &self,
        _context: RequestContext,
        _request: shop::UploadFileRequest,
    ) -> shop::UploadFileResponse {
        shop::UploadFileResponse::Ok {
            body: ApiResponse::default(),
        }
    }

    async fn login_user(
        &self,
        context: RequestContext,
        request: shop::LoginUserRequest,
    ) -> shop::LoginUserResponse {
        assert_eq!(context.principal.kind, TokenKind::Anonymous);
        shop::LoginUserResponse::Ok {
            x_rate_limit: Some("100".into()),
            x_expires_after: None,
            body: format!("session for {}", request.username.unwrap_or_default()),
        }
    }
}

fn config() -> rt::ServerConfig {
    rt::ServerConfig::new(ShopKeys)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_petstore_like_client_and_server_talk_with_keys_tokens_and_nothing() {
    let run = async {
        let (builder, served) = serve(router(Arc::new(Shop), config()), "/api/v3").await;
        let anonymous = ApiClient::new(builder.clone().build().expect("a client"));
        let staff = ApiClient::new(
            builder
                .clone()
                .credential("api_key", Credential::ApiKey(SHOP_KEY.into()))
                .credential("staff_token", Credential::Bearer(STAFF_TOKEN.into()))
                .build()
                .expect("a client"),
        );

        let LoginUserResponse::Ok { body, .. } = anonymous
            .user()
            .login()
            .get()
            .username("ana")
            .await
            .expect("anyone may log in");
        assert_eq!(body, "session for ana");

        let GetInventoryResponse::Ok { body } = staff
            .store()
            .inventory()
            .get()
            .await
            .expect("the inventory with the shop's key");
        assert_eq!(body.get("available"), Some(&3));

        let order = Order {
            pet_id: Some(10),
            quantity: Some(2),
            ..Default::default()
        };
        let PlaceOrderResponse::Ok { body } = staff
            .store()
            .order()
            .post()
            .body(order.clone())
            .await
            .expect("an order with the staff token");
        assert_eq!((body.id, body.pet_id), (Some(7), Some(10)));

        // Without its credential, the client says so before sending anything…
        let refused = anonymous.store().inventory().get().await;
        assert!(refused.is_err_and(|err| err.to_string().contains("api_key")));
        // …and the server refuses a key it is not given, or one the implementation rejects.
        let wrong = ApiClient::new(
            builder
                .credential("api_key", Credential::ApiKey("stolen".into()))
                .credential("staff_token", Credential::ApiKey("wrong kind".into()))
                .build()
                .expect("a client"),
        );
        let refused = wrong.store().inventory().get().await.expect_err("bad key");
        assert_eq!(refused.status(), Some(401));
        let refused = wrong.store().order().post().body(order).await;
        assert!(refused.is_err(), "a bearer scheme is not met by an API key");

        served.stop().await;
    };
    tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the exchange finishes in time");
}

struct Catalogue;

impl CatalogueApi for Catalogue {
    async fn list_versions(
        &self,
        _context: RequestContext,
        _request: catalogue::ListVersionsRequest,
    ) -> catalogue::ListVersionsResponse {
        let body = serde_json::from_value(serde_json::json!({
            "versions": [{"id": "v2", "status": "current", "updated": null}]
        }))
        .expect("a version list");
        catalogue::ListVersionsResponse::Ok { body }
    }

    async fn list_data_sets(
        &self,
        context: RequestContext,
        _request: catalogue::ListDataSetsRequest,
    ) -> catalogue::ListDataSetsResponse {
        // Optional security: a caller with a key (sent in the query) sees the record counts.
        let keyed = context.principal.subject == "k";
        let body = vec![DataSet {
            name: "trademarks".into(),
            description: None,
            records: keyed.then_some(42),
        }];
        catalogue::ListDataSetsResponse::Ok { body }
    }

    async fn perform_search(
        &self,
        _context: RequestContext,
        _request: catalogue::PerformSearchRequest,
    ) -> catalogue::PerformSearchResponse {
        catalogue::PerformSearchResponse::Ok { body: Vec::new() }
    }

    async fn subscribe(
        &self,
        _context: RequestContext,
        request: catalogue::SubscribeRequest,
    ) -> catalogue::SubscribeResponse {
        catalogue::SubscribeResponse::Created { body: request.body }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn optional_security_and_query_keys_work_end_to_end() {
    let run = async {
        let (builder, served) = serve(
            catalogue::router(
                Arc::new(Catalogue),
                rt::ServerConfig::new(InsecureAuthorizer),
            ),
            "/v2",
        )
        .await;
        let anonymous = CatalogueClient::new(builder.clone().build().expect("a client"));
        let keyed = CatalogueClient::new(
            builder
                .credential("api_key", Credential::ApiKey("k".into()))
                .build()
                .expect("a client"),
        );

        let ListVersionsResponse::Ok { body } = anonymous.get().await.expect("the versions");
        assert_eq!(body.versions[0].updated, None);

        let ListDataSetsResponse::Ok { body } =
            anonymous.datasets().get().await.expect("open data sets");
        assert_eq!(body[0].records, None);
        let ListDataSetsResponse::Ok { body } =
            keyed.datasets().get().await.expect("keyed data sets");
        assert_eq!(body[0].records, Some(42));

        served.stop().await;
    };
    tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the exchange finishes in time");
}
