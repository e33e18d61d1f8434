//! The fixed part of the seeded PBX: tenants, users, groups, queues, numbers. Public so that
//! tests can evaluate filters independently over the same data.

/// A tenant.
#[derive(Debug, Clone, Copy)]
pub struct Tenant {
    /// The tenant ID (`0` is `default`, as in the reference's samples).
    pub id: i64,
    /// The tenant name.
    pub name: &'static str,
    /// The PBX's own numbers (DIDs) of the tenant; the first is the main number.
    pub dids: &'static [&'static str],
}

/// A user (SIP peer).
#[derive(Debug, Clone, Copy)]
pub struct User {
    /// The tenant's name.
    pub tenant: &'static str,
    /// The extension.
    pub ext: &'static str,
    /// The display name.
    pub name: &'static str,
    /// The auth ID (unique over all tenants).
    pub authid: &'static str,
    /// Voicemail counts as the PBX shows them.
    pub vmail: &'static str,
    /// Registration status.
    pub status: &'static str,
    /// Registered host, or `N/A`.
    pub host: &'static str,
    /// Registered port, or 0.
    pub port: i64,
}

/// A user group (also used as a ring group in the CDRs).
#[derive(Debug, Clone, Copy)]
pub struct Group {
    /// The tenant's name.
    pub tenant: &'static str,
    /// The group name.
    pub name: &'static str,
    /// Members, by auth ID.
    pub members: &'static [&'static str],
}

/// A call queue.
#[derive(Debug, Clone, Copy)]
pub struct Queue {
    /// The tenant's name.
    pub tenant: &'static str,
    /// The queue name.
    pub name: &'static str,
    /// Ring strategy.
    pub hunt: &'static str,
    /// Agents, by auth ID.
    pub agents: &'static [&'static str],
}

/// The tenants.
pub const TENANTS: &[Tenant] = &[
    Tenant {
        id: 0,
        name: "default",
        dids: &["8478544799", "8005550100", "8475550123", "8475550188"],
    },
    Tenant {
        id: 1,
        name: "acme",
        dids: &["3125550199", "8885550142", "3125550111"],
    },
];

/// The demo user every quick start uses (`100@default`).
pub const DEMO_USER: &str = "100@default";

/// Every user. `100` exists in both tenants on purpose (`100@default`, `100@acme`).
pub const USERS: &[User] = &[
    User {
        tenant: "default",
        ext: "100",
        name: "Demo User",
        authid: "z64xxx2n",
        vmail: "2/5",
        status: "OK (12 ms)",
        host: "203.0.113.10",
        port: 5060,
    },
    User {
        tenant: "default",
        ext: "630",
        name: "Tom",
        authid: "beaucrn6",
        vmail: "6/6",
        status: "OK (3 ms)",
        host: "209.242.9.134",
        port: 12447,
    },
    User {
        tenant: "default",
        ext: "69",
        name: "Jerry",
        authid: "cpirg16m",
        vmail: "0/0",
        status: "Unmonitored",
        host: "N/A",
        port: 0,
    },
    User {
        tenant: "default",
        ext: "635",
        name: "Spike",
        authid: "s7pk2m4q",
        vmail: "1/3",
        status: "OK (8 ms)",
        host: "198.51.100.23",
        port: 5062,
    },
    User {
        tenant: "default",
        ext: "985",
        name: "Jerma",
        authid: "j3rm985x",
        vmail: "0/1",
        status: "UNREACHABLE",
        host: "198.51.100.77",
        port: 5060,
    },
    User {
        tenant: "default",
        ext: "101",
        name: "Alice Moore",
        authid: "a1m00re7",
        vmail: "0/2",
        status: "OK (21 ms)",
        host: "203.0.113.41",
        port: 5060,
    },
    User {
        tenant: "default",
        ext: "102",
        name: "Bob Nguyen",
        authid: "b0bngy3n",
        vmail: "3/3",
        status: "OK (5 ms)",
        host: "203.0.113.42",
        port: 5060,
    },
    User {
        tenant: "default",
        ext: "103",
        name: "Carol Diaz",
        authid: "c4r0ld1z",
        vmail: "0/0",
        status: "Unmonitored",
        host: "N/A",
        port: 0,
    },
    User {
        tenant: "default",
        ext: "104",
        name: "Dave Kim",
        authid: "d4v3k1m9",
        vmail: "1/1",
        status: "OK (14 ms)",
        host: "203.0.113.44",
        port: 5066,
    },
    User {
        tenant: "default",
        ext: "105",
        name: "Fax Machine",
        authid: "f4xm4ch1",
        vmail: "0/0",
        status: "OK (2 ms)",
        host: "203.0.113.45",
        port: 5060,
    },
    User {
        tenant: "acme",
        ext: "100",
        name: "Acme Admin",
        authid: "acm3adm1",
        vmail: "0/0",
        status: "OK (9 ms)",
        host: "192.0.2.10",
        port: 5060,
    },
    User {
        tenant: "acme",
        ext: "200",
        name: "Wile E. Coyote",
        authid: "wc0y0te2",
        vmail: "4/7",
        status: "OK (31 ms)",
        host: "192.0.2.20",
        port: 5060,
    },
    User {
        tenant: "acme",
        ext: "201",
        name: "Road Runner",
        authid: "rr8beep1",
        vmail: "0/0",
        status: "OK (1 ms)",
        host: "192.0.2.21",
        port: 5064,
    },
    User {
        tenant: "acme",
        ext: "202",
        name: "Marvin",
        authid: "m4rv1n42",
        vmail: "0/1",
        status: "Unmonitored",
        host: "N/A",
        port: 0,
    },
];

/// Users that exist on the PBX but make no traffic of their own in the generated data: they
/// are there so that the reference's samples work against the demo data (send_sms's
/// `"dst": ["100", "200"]` needs extension `200@default`). Being outside [`USERS`] (and so
/// outside [`users_of`], which the generators pick from) keeps every seeded CDR, SMS, call
/// and fax as it was; they are in the users table, `status users` and [`user`].
pub const QUIET_USERS: &[User] = &[User {
    tenant: "default",
    ext: "200",
    name: "Front Desk",
    authid: "fr0ntd5k",
    vmail: "0/0",
    status: "OK (4 ms)",
    host: "203.0.113.50",
    port: 5060,
}];

/// Every user of the PBX: [`USERS`], then [`QUIET_USERS`].
pub fn all_users() -> impl Iterator<Item = &'static User> {
    USERS.iter().chain(QUIET_USERS)
}

/// User groups.
pub const GROUPS: &[Group] = &[
    Group {
        tenant: "default",
        name: "Sales",
        members: &["beaucrn6", "cpirg16m", "a1m00re7", "b0bngy3n"],
    },
    Group {
        tenant: "default",
        name: "Support",
        members: &["z64xxx2n", "s7pk2m4q", "j3rm985x", "c4r0ld1z"],
    },
    Group {
        tenant: "acme",
        name: "Ops",
        members: &["wc0y0te2", "rr8beep1"],
    },
];

/// Call queues.
pub const QUEUES: &[Queue] = &[
    Queue {
        tenant: "default",
        name: "support_queue",
        hunt: "ringall",
        agents: &["beaucrn6", "s7pk2m4q", "a1m00re7"],
    },
    Queue {
        tenant: "default",
        name: "sales_queue",
        hunt: "rrmemory",
        agents: &["cpirg16m", "b0bngy3n", "d4v3k1m9"],
    },
    Queue {
        tenant: "default",
        name: "testqueue",
        hunt: "ringall",
        agents: &[],
    },
    Queue {
        tenant: "acme",
        name: "acme_support",
        hunt: "leastrecent",
        agents: &["wc0y0te2", "rr8beep1"],
    },
];

/// Conference bridges: (tenant, number).
pub const CONFERENCES: &[(&str, &str)] =
    &[("default", "2000"), ("default", "2001"), ("acme", "3000")];

/// The tenant named `name`.
pub fn tenant(name: &str) -> Option<&'static Tenant> {
    TENANTS.iter().find(|t| t.name == name)
}

/// The tenant with ID `id`.
pub fn tenant_by_id(id: i64) -> Option<&'static Tenant> {
    TENANTS.iter().find(|t| t.id == id)
}

/// The user with auth ID `authid` (any of [`all_users`]).
pub fn user(authid: &str) -> Option<&'static User> {
    all_users().find(|u| u.authid == authid)
}

/// The users of a tenant that make traffic in the generated data ([`USERS`]; not the
/// [`QUIET_USERS`]).
pub fn users_of(tenant: &str) -> impl Iterator<Item = &'static User> + '_ {
    USERS.iter().filter(move |u| u.tenant == tenant)
}
