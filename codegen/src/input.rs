//! The input layer: what the TOML files under `spec/` deserialize into, with the spans the
//! loader's errors point at. The loader validates it and lowers it into [`crate::model`].

use serde::Deserialize;
use toml::Spanned;

/// One module file (`spec/dialer.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleFile {
    /// The module header.
    pub module: ModuleHeader,
    /// The module's actions, in reference order.
    #[serde(default, rename = "action")]
    pub actions: Vec<Action>,
    /// Named record types.
    #[serde(default, rename = "type")]
    pub types: Vec<TypeDef>,
    /// Closed value sets for request fields.
    #[serde(default, rename = "enum")]
    pub enums: Vec<EnumDef>,
    /// Report columns (reports module only).
    #[serde(default, rename = "column")]
    pub columns: Vec<ColumnDef>,
    /// Report filter types (reports module only).
    #[serde(default, rename = "filter")]
    pub filters: Vec<FilterDef>,
    /// Report filter operators (reports module only).
    #[serde(default, rename = "operator")]
    pub operators: Vec<OperatorDef>,
    /// Report options (reports module only).
    #[serde(default, rename = "option")]
    pub options: Vec<OptionDef>,
    /// Where this module was loaded from (set by the loader).
    #[serde(skip)]
    pub path: String,
}

/// `[module]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleHeader {
    /// Rust module and client group name.
    pub name: Spanned<String>,
    /// The PHP file on the server (`dialer.php`).
    pub file: String,
    /// Module documentation.
    pub doc: Option<Spanned<String>>,
    /// Decision notes.
    pub note: Option<String>,
}

/// `[[action]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// The `api_action` value.
    pub name: Spanned<String>,
    /// One-line summary.
    pub summary: Option<Spanned<String>>,
    /// Longer documentation.
    pub doc: Option<String>,
    /// Whether the action may be retried automatically.
    pub idempotent: Spanned<bool>,
    /// What the plain format carries: `id` or `status`.
    pub plain: Spanned<String>,
    /// CSV layout: `keys` or `table`.
    pub csv: Spanned<String>,
    /// With `csv = "table"`: the field holding the rows.
    pub csv_rows: Option<String>,
    /// With `csv = "table"`: `list` or `map`.
    pub csv_row: Option<String>,
    /// A purpose-built decoder (`report`).
    pub decoder: Option<Spanned<String>>,
    /// Decision notes.
    pub note: Option<String>,
    /// A hand-written cross-field check of the request in the core (`crate::checks::<name>`).
    pub check: Option<String>,
    /// The question a tool asks before sending (`{field}` is a request field's value).
    pub confirm: Option<Spanned<String>>,
    /// Request fields.
    #[serde(default)]
    pub request: Vec<Field>,
    /// Response fields.
    #[serde(default)]
    pub response: Vec<Field>,
}

/// A request, response or record field.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// The name on the wire.
    pub name: Spanned<String>,
    /// The Rust identifier, when `snake_case(name)` is not right.
    pub rust: Option<String>,
    /// The spec type (see `spec/README.md`).
    #[serde(rename = "type")]
    pub ty: Spanned<String>,
    /// Request: must be given.
    #[serde(default)]
    pub required: bool,
    /// Response: may be absent.
    #[serde(default)]
    pub optional: bool,
    /// The server's default.
    pub default: Option<String>,
    /// A validation rule, `name` or `name(arg)`.
    pub rule: Option<Spanned<String>>,
    /// `array` or `comma`, for list request fields.
    pub list_style: Option<Spanned<String>>,
    /// For `bool` response fields: `yes_no` (`Yes`/`No`) or `one_zero` (`1`/`0`, the default).
    pub bool_style: Option<Spanned<String>>,
    /// For `decimal` fields: the fraction digits the server always writes (`2`: `1.00`, as a
    /// SQL `DECIMAL(n,2)` column reads), from 0 to 6; without it the shortest text (`1`).
    pub decimals: Option<Spanned<u8>>,
    /// Other wire names the decoder accepts.
    #[serde(default)]
    pub alias: Vec<String>,
    /// Request: the record field of the same action (`filters`) inside which this field is
    /// also read (`filters[results_limit]`); a value given in both places must agree.
    pub also_in: Option<Spanned<String>>,
    /// Documentation.
    pub doc: Option<Spanned<String>>,
    /// Decision notes.
    pub note: Option<String>,
}

/// `[[type]]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct TypeDef {
    /// UpperCamelCase name.
    pub name: Spanned<String>,
    /// Documentation.
    pub doc: Option<Spanned<String>>,
    /// Decision notes.
    pub note: Option<String>,
    /// A hand-written cross-field check in the core (`crate::checks::<name>`).
    pub check: Option<String>,
    /// The record's fields.
    #[serde(default, rename = "field")]
    pub fields: Vec<Field>,
}

/// `[[enum]]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct EnumDef {
    /// UpperCamelCase name.
    pub name: Spanned<String>,
    /// Documentation.
    pub doc: Option<Spanned<String>>,
    /// Decision notes.
    pub note: Option<String>,
    /// The values.
    #[serde(rename = "value")]
    pub values: Vec<EnumValue>,
}

/// `[[enum.value]]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct EnumValue {
    /// The text on the wire.
    pub wire: Spanned<String>,
    /// The Rust variant name.
    pub rust: String,
    /// Documentation.
    pub doc: Option<Spanned<String>>,
    /// Other words read as this value (any case), never sent.
    #[serde(default)]
    pub also: Vec<Spanned<String>>,
}

/// `[[column]]`: a report column.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ColumnDef {
    /// Column name on the wire.
    pub name: Spanned<String>,
    /// Human label (`formatted_columns_names=true`).
    pub label: String,
    /// Cell type.
    pub cell: Spanned<String>,
    /// Documentation.
    pub doc: Option<Spanned<String>>,
    /// Decision notes.
    pub note: Option<String>,
}

/// `[[filter]]`: a report filter type.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct FilterDef {
    /// Filter type on the wire.
    pub name: Spanned<String>,
    /// Human label.
    pub label: String,
    /// `flag`, `numeric` or `values`.
    pub kind: Spanned<String>,
    /// For a `values` filter, the only values it takes (none: any value).
    pub values: Option<Spanned<Vec<String>>>,
    /// Documentation.
    pub doc: Option<Spanned<String>>,
    /// Decision notes.
    pub note: Option<String>,
}

/// `[[operator]]`: a filter operator.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct OperatorDef {
    /// The operator on the wire (`>=`).
    pub symbol: Spanned<String>,
    /// Rust variant name.
    pub rust: String,
    /// 1 (`value`) or 2 (`lower_value`, `upper_value`).
    pub arity: u8,
    /// Documentation.
    pub doc: Option<Spanned<String>>,
}

/// `[[option]]`: a report option.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct OptionDef {
    /// Option key.
    pub name: Spanned<String>,
    /// Value type: bool, string, int, page, datetime, timezone, column, enum:Name.
    #[serde(rename = "type")]
    pub ty: Spanned<String>,
    /// Documentation.
    pub doc: Option<Spanned<String>>,
    /// Decision notes.
    pub note: Option<String>,
}

/// `spec/rules.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesFile {
    /// The rules.
    #[serde(rename = "rule")]
    pub rules: Vec<RuleDef>,
    /// Where this file was loaded from.
    #[serde(skip)]
    pub path: String,
}

/// `[[rule]]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    /// Rule name; the core implements `crate::rules::<name>`.
    pub name: Spanned<String>,
    /// Argument names.
    #[serde(default)]
    pub args: Vec<String>,
    /// What the rule accepts.
    pub doc: Option<Spanned<String>>,
    /// Decision notes.
    pub note: Option<String>,
    /// A regular expression (JSON Schema's dialect) that the values the rule accepts match,
    /// for the OpenAPI document's `pattern`: an approximation for tools, the rule decides.
    pub pattern: Option<String>,
}
