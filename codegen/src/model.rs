//! The spec model: what the loader lowers the TOML of `spec/` into once it is valid. Kinds are
//! enums, type names are resolved to the record or enum they mean, and the facts the
//! generators need about each field (Rust name, parsed type, rule, default, borrowing,
//! direction) are computed here once.

use std::ops::Range;

/// Declares a fieldless enum written in the spec as one of a fixed set of words.
macro_rules! spelled {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($(#[$vm])* $v,)* }

        impl $name {
            /// The spec's spelling.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s,)* }
            }

            /// Parses the spec's spelling.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(Self::$v),)* _ => None }
            }
        }
    };
}

spelled! {
    /// What the plain format of an action carries.
    Plain {
        /// The created or found resource's ID.
        Id = "id",
        /// `0` on success.
        Status = "status",
    }
}

spelled! {
    /// With `csv = "table"`: how each row is written.
    RowShape {
        /// A list of cells.
        List = "list",
        /// A map of field names to cells.
        Map = "map",
    }
}

spelled! {
    /// A purpose-built response decoder.
    Decoder {
        /// The report table (`report::decode`).
        Report = "report",
    }
}

spelled! {
    /// How a list request field is sent.
    ListStyle {
        /// `k[]=a&k[]=b`.
        Array = "array",
        /// `k=a,b`.
        Comma = "comma",
        /// `k=a` for one, `k[]=a&k[]=b` for several.
        OneOrMany = "one_or_many",
        /// Sent as `k[]=a&k[]=b`; one comma-separated value (`k=a,b`) is accepted too.
        ArrayOrComma = "array_or_comma",
    }
}

spelled! {
    /// How a `bool` response field is written.
    BoolStyle {
        /// `Yes`/`No`.
        YesNo = "yes_no",
        /// `1`/`0`.
        OneZero = "one_zero",
    }
}

spelled! {
    /// The type of a report column's cells.
    CellKind {
        /// Text.
        Text = "text",
        /// An integer.
        Int = "int",
        /// A duration.
        Duration = "duration",
        /// `Yes`/`No`.
        YesNo = "yes_no",
        /// A date and time.
        Datetime = "datetime",
        /// A phone number.
        Phone = "phone",
        /// A URL.
        Url = "url",
        /// A list.
        List = "list",
    }
}

spelled! {
    /// What kind of value a report filter takes.
    FilterKind {
        /// No value.
        Flag = "flag",
        /// A number compared with an operator.
        Numeric = "numeric",
        /// A list of values.
        Values = "values",
    }
}

/// The CSV layout of an action's response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsvShape {
    /// Key-path rows.
    Keys,
    /// A header row, then one line per item of the response field `rows`.
    Table {
        /// The response field holding the rows.
        rows: String,
        /// How each row is written.
        row: RowShape,
    },
}

impl CsvShape {
    /// The spec's spelling (`keys` or `table`).
    pub fn as_str(&self) -> &'static str {
        match self {
            CsvShape::Keys => "keys",
            CsvShape::Table { .. } => "table",
        }
    }
}

/// A resolved reference to a `[[type]]`: `spec.modules[module].types[index]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TypeRef {
    /// The defining module's index in [`Spec::modules`].
    pub module: usize,
    /// The record's index in the module's `types`.
    pub index: usize,
}

/// A resolved reference to an enum of module `module`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnumRef {
    /// The defining module's index in [`Spec::modules`].
    pub module: usize,
    /// Which of its enums.
    pub kind: EnumKind,
}

/// Which enum of a module an [`EnumRef`] means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnumKind {
    /// The `[[enum]]` at this index of the module's `enums`.
    Declared(usize),
    /// `Column`, from the module's `[[column]]`s.
    Column,
    /// `FilterType`, from the module's `[[filter]]`s.
    FilterType,
    /// `Operator`, from the module's `[[operator]]`s.
    Operator,
}

/// A field's type, with its names resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// `string`
    String,
    /// `int`
    Int,
    /// `decimal`
    Decimal,
    /// `bool`
    Bool,
    /// `date`
    Date,
    /// `datetime`
    DateTime,
    /// `list<T>`
    List(Box<Ty>),
    /// `map<T>`
    Map(Box<Ty>),
    /// `enum:Name`
    Enum(EnumRef),
    /// `custom_fields`
    CustomFields,
    /// `options`
    Options,
    /// `report_rows`
    ReportRows,
    /// A `[[type]]`.
    Record(TypeRef),
}

impl Ty {
    /// The record this type names, through `list<>` and `map<>`.
    pub fn record(&self) -> Option<TypeRef> {
        match self {
            Ty::List(inner) | Ty::Map(inner) => inner.record(),
            Ty::Record(r) => Some(*r),
            _ => None,
        }
    }

    /// The enum this type names, through `list<>` and `map<>`.
    pub fn enum_ref(&self) -> Option<EnumRef> {
        match self {
            Ty::List(inner) | Ty::Map(inner) => inner.enum_ref(),
            Ty::Enum(e) => Some(*e),
            _ => None,
        }
    }

    /// The scalar type of a scalar or (nested) list of scalars.
    pub fn scalar(&self) -> Option<&Ty> {
        match self {
            Ty::List(inner) => inner.scalar(),
            Ty::String | Ty::Date | Ty::DateTime | Ty::Int | Ty::Decimal | Ty::Bool => Some(self),
            _ => None,
        }
    }
}

/// A field's validation rule, `name` or `name(arg, ..)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleUse {
    /// As written in the spec (`max_chars(200)`).
    pub text: String,
    /// The rule's name (`max_chars`).
    pub name: String,
    /// The arguments, as Rust literals.
    pub args: Vec<String>,
}

/// A default value the generated constructor can write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultValue {
    /// The default text of a string, date or datetime field.
    Text(String),
    /// An `int` default.
    Int(i64),
    /// The Rust variant of a value of the `[[enum]]`.
    Variant(EnumRef, String),
}

/// A request, response or record field.
#[derive(Debug, Clone)]
pub struct Field {
    /// The name on the wire.
    pub name: String,
    /// The Rust identifier (snake_case, without `r#`).
    pub rust: String,
    /// The type.
    pub ty: Ty,
    /// The type as written in the spec.
    pub spec_ty: String,
    /// Where the type is written in its file (for the loader's errors).
    pub span: Range<usize>,
    /// Request: must be given.
    pub required: bool,
    /// Response: may be absent.
    pub optional: bool,
    /// The server's default, as written.
    pub default: Option<String>,
    /// The default as a value of the field's type, when it is one.
    pub default_value: Option<DefaultValue>,
    /// The validation rule.
    pub rule: Option<RuleUse>,
    /// How a list request field is sent, when the spec says.
    pub list_style: Option<ListStyle>,
    /// How a `bool` response field is written.
    pub bool_style: BoolStyle,
    /// How many fraction digits a `decimal` field is written with (`Some(2)`: `1.00`); `None`:
    /// its shortest text.
    pub decimals: Option<u8>,
    /// Other wire names the decoder accepts.
    pub alias: Vec<String>,
    /// A request field also read inside this record field of its action (`filters`): the
    /// server parser reads both places and refuses two different values.
    pub also_in: Option<String>,
    /// Documentation.
    pub doc: String,
    /// Decision notes.
    pub note: Option<String>,
}

/// An action.
#[derive(Debug, Clone)]
pub struct Action {
    /// The `api_action` value.
    pub name: String,
    /// One-line summary.
    pub summary: String,
    /// Longer documentation.
    pub doc: Option<String>,
    /// Decision notes.
    pub note: Option<String>,
    /// Whether the action may be retried automatically.
    pub idempotent: bool,
    /// What the plain format carries.
    pub plain: Plain,
    /// The CSV layout.
    pub csv: CsvShape,
    /// A purpose-built decoder.
    pub decoder: Option<Decoder>,
    /// A hand-written cross-field check of the request in the core (`crate::checks::<name>`).
    pub check: Option<String>,
    /// The question a tool asks before sending (`{field}` is a request field's value).
    pub confirm: Option<String>,
    /// Request fields.
    pub request: Vec<Field>,
    /// Response fields.
    pub response: Vec<Field>,
}

/// Which way a record travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Reached from a request field: a builder and an encoder.
    Request,
    /// Otherwise: a decoder.
    Response,
}

/// A `[[type]]`: a request record or a response record.
#[derive(Debug, Clone)]
pub struct Record {
    /// UpperCamelCase name.
    pub name: String,
    /// Where the name is written in its file (for the loader's errors).
    pub span: Range<usize>,
    /// Documentation.
    pub doc: String,
    /// Decision notes.
    pub note: Option<String>,
    /// A hand-written cross-field check in the core (`crate::checks::<name>`).
    pub check: Option<String>,
    /// The fields.
    pub fields: Vec<Field>,
    /// Which way the record travels.
    pub direction: Direction,
    /// A response record that holds borrowed strings (`<'a>`).
    pub borrows: bool,
}

/// An `[[enum]]`.
#[derive(Debug, Clone)]
pub struct Enum {
    /// UpperCamelCase name.
    pub name: String,
    /// Documentation.
    pub doc: String,
    /// The values.
    pub values: Vec<EnumValue>,
}

/// A value of an enum.
#[derive(Debug, Clone)]
pub struct EnumValue {
    /// The text on the wire.
    pub wire: String,
    /// The Rust variant name.
    pub rust: String,
    /// Documentation.
    pub doc: String,
    /// Other words read as this value (any case), never sent.
    pub also: Vec<String>,
}

/// A report column.
#[derive(Debug, Clone)]
pub struct Column {
    /// Column name on the wire.
    pub name: String,
    /// Human label.
    pub label: String,
    /// Cell type.
    pub cell: CellKind,
    /// Documentation.
    pub doc: String,
}

/// A report filter type.
#[derive(Debug, Clone)]
pub struct Filter {
    /// Filter type on the wire.
    pub name: String,
    /// Human label.
    pub label: String,
    /// What kind of value it takes.
    pub kind: FilterKind,
    /// For a `values` filter, the only values it takes (empty: any value).
    pub values: Vec<String>,
    /// Documentation.
    pub doc: String,
}

/// A filter operator.
#[derive(Debug, Clone)]
pub struct Operator {
    /// The operator on the wire (`>=`).
    pub symbol: String,
    /// Rust variant name.
    pub rust: String,
    /// 1 (`value`) or 2 (`lower_value`, `upper_value`).
    pub arity: u8,
    /// Documentation.
    pub doc: String,
}

/// The value type of a report option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionTy {
    /// `bool`
    Bool,
    /// `string`
    String,
    /// `int`
    Int,
    /// `page`
    Page,
    /// `datetime`
    DateTime,
    /// `timezone`
    Timezone,
    /// `column`
    Column,
    /// `enum:Name`
    Enum(EnumRef),
}

/// A report option.
#[derive(Debug, Clone)]
pub struct ReportOption {
    /// Option key.
    pub name: String,
    /// Value type.
    pub ty: OptionTy,
    /// The value type as written in the spec.
    pub spec_ty: String,
    /// Documentation.
    pub doc: String,
    /// Decision notes.
    pub note: Option<String>,
}

/// A validation rule of `spec/rules.toml`.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Rule name; the core implements `crate::rules::<name>`.
    pub name: String,
    /// Argument names.
    pub args: Vec<String>,
    /// What the rule accepts.
    pub doc: String,
    /// Decision notes.
    pub note: Option<String>,
    /// A regular expression the accepted values match, for the OpenAPI document (an
    /// approximation; the rule decides).
    pub pattern: Option<String>,
}

/// One module.
#[derive(Debug, Clone)]
pub struct Module {
    /// Rust module and client group name.
    pub name: String,
    /// The PHP file on the server (`dialer.php`).
    pub file: String,
    /// Module documentation.
    pub doc: String,
    /// Decision notes.
    pub note: Option<String>,
    /// The actions, in reference order.
    pub actions: Vec<Action>,
    /// Record types.
    pub types: Vec<Record>,
    /// Declared enums.
    pub enums: Vec<Enum>,
    /// Report columns (reports module only).
    pub columns: Vec<Column>,
    /// Report filter types.
    pub filters: Vec<Filter>,
    /// Report filter operators.
    pub operators: Vec<Operator>,
    /// Report options.
    pub options: Vec<ReportOption>,
}

/// The whole spec.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Modules in canonical order.
    pub modules: Vec<Module>,
    /// Validation rules.
    pub rules: Vec<Rule>,
}

impl Spec {
    /// The record `r` refers to.
    pub fn record(&self, r: TypeRef) -> &Record {
        &self.modules[r.module].types[r.index]
    }

    /// The name of the enum `e` refers to.
    pub fn enum_name(&self, e: EnumRef) -> &str {
        match e.kind {
            EnumKind::Declared(index) => &self.modules[e.module].enums[index].name,
            EnumKind::Column => "Column",
            EnumKind::FilterType => "FilterType",
            EnumKind::Operator => "Operator",
        }
    }

    /// The wire values of the enum `e` refers to, with their docs.
    pub fn enum_values(&self, e: EnumRef) -> Vec<(&str, &str)> {
        let m = &self.modules[e.module];
        match e.kind {
            EnumKind::Declared(index) => m.enums[index]
                .values
                .iter()
                .map(|v| (v.wire.as_str(), v.doc.as_str()))
                .collect(),
            EnumKind::Column => m.columns.iter().map(|c| (&*c.name, &*c.doc)).collect(),
            EnumKind::FilterType => m.filters.iter().map(|f| (&*f.name, &*f.doc)).collect(),
            EnumKind::Operator => m.operators.iter().map(|o| (&*o.symbol, &*o.doc)).collect(),
        }
    }

    /// Whether a response value of `ty` borrows from the body.
    pub fn borrows(&self, ty: &Ty) -> bool {
        match ty {
            Ty::String | Ty::Date | Ty::DateTime | Ty::Map(_) | Ty::ReportRows => true,
            Ty::List(inner) => self.borrows(inner),
            Ty::Record(r) => self.record(*r).borrows,
            _ => false,
        }
    }
}
