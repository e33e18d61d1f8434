dlspbx_macros::include_spec!("tests/ui/specs/good.toml");

use dlspbx_core::params::Validate;
use dlspbx_core::{Endpoint, Caller, Format};
use users::{AddUserRequest, ListUsersRequest, UserState, UsersExt};

// The extension trait gives every client the module's methods.
#[allow(dead_code)]
fn list<C: Caller>(client: &C) -> C::Output<ListUsersRequest> {
    client
        .users()
        .list_users(ListUsersRequest::new().search("tom"))
}

struct Server;

impl users::Handler for Server {
    type Context = ();
    type Error = std::convert::Infallible;
    fn list_users(
        &self,
        _: &(),
        request: ListUsersRequest,
    ) -> Result<users::ListUsersResponse<'static>, Self::Error> {
        assert_eq!(request.state, UserState::Online);
        let user = users::User {
            ext: "100".into(),
            registered: true,
        };
        Ok(users::ListUsersResponse {
            users: vec![user],
            total: Some(1),
        })
    }
    fn add_user(
        &self,
        _: &(),
        _: AddUserRequest,
    ) -> Result<users::AddUserResponse, Self::Error> {
        Ok(users::AddUserResponse { id: 7 })
    }
}

fn main() {
    // Builders, defaults and the core's rules.
    let request = ListUsersRequest::new();
    assert_eq!(request.state, UserState::Any);
    assert!(
        ListUsersRequest::new()
            .search("x".repeat(41))
            .validate()
            .is_err()
    );
    assert!(
        AddUserRequest::new("100")
            .phone("(815) 555-1234")
            .validate()
            .is_ok()
    );
    assert!(AddUserRequest::new("10a").validate().is_err());
    assert_eq!(<ListUsersRequest as Endpoint>::INFO.file, "users.php");
    assert_eq!(users::ACTIONS.len(), 2);
    assert_eq!(users::MODULE.name, "users");

    // The server side answers through the generated routing, in every format the response
    // decodes from.
    let request = ListUsersRequest::new().state(UserState::Online);
    let params = request.to_params();
    for format in [Format::Json, Format::Xml, Format::Yaml, Format::Csv] {
        let body =
            users::dispatch(&Server, &(), "users.php", "list_users", &params, format).unwrap();
        let decoded = ListUsersRequest::decode(format, &body).unwrap();
        assert_eq!(decoded.users[0].ext, "100");
        assert!(decoded.users[0].registered);
    }
    let body = users::dispatch(
        &Server,
        &(),
        "users.php",
        "add_user",
        &AddUserRequest::new("100").to_params(),
        Format::Plain,
    )
    .unwrap();
    assert_eq!(AddUserRequest::decode(Format::Plain, &body).unwrap().id, 7);
}
