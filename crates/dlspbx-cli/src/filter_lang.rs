//! The report filter mini-language of `dlspbx report --filter`.
//!
//! One `--filter` is one filter group:
//!
//! ```text
//! filter  := header? rule (';' rule)* ';'?
//! header  := ('include' | 'exclude')? ('and' | 'or')? ':'?
//! rule    := FLAG                                  e.g. bridged
//!          | NUMERIC op value                      e.g. duration >= 30
//!          | NUMERIC ('between' | '!between') value 'and'? value
//!          | VALUES ('=' | '!=') value (',' value)*  e.g. direction = inbound,outbound
//! op      := '=' | '!=' | '>' | '>=' | '<' | '<=' | 'between' | '!between'
//! value   := a word, or a "double" or 'single' quoted string
//! ```
//!
//! The header defaults to `include and`. Keywords, filter types and operators are matched
//! without regard to case. The filter types, their kinds and the operators come from the spec
//! (`FilterType::ALL`, `FilterType::kind`, `Operator::ALL`), so a new filter type in the spec is
//! accepted here without a change. Errors name the position with a caret and list what is
//! allowed there.

use dlspbx_core::report::FilterKind;
use dlspbx_core::reports::{
    Exclusivity, FilterGroup, FilterRule, FilterType, LogicalOperator, Operator,
};
use std::fmt;

/// A syntax error in a filter: where, what was expected, and the input for the caret line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// The filter text.
    pub input: String,
    /// Byte offset of the offending token.
    pub offset: usize,
    /// What went wrong and what is allowed.
    pub message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let col = self.input[..self.offset.min(self.input.len())]
            .chars()
            .count();
        writeln!(f, "invalid filter: {}", self.message)?;
        writeln!(f, "  {}", self.input)?;
        write!(f, "  {}^", " ".repeat(col))
    }
}

impl std::error::Error for FilterError {}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(String),
    Quoted(String),
    Op(&'static str),
    Semi,
    Comma,
    Colon,
    End,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Word(w) => format!("`{w}`"),
            Tok::Quoted(w) => format!("\"{w}\""),
            Tok::Op(o) => format!("`{o}`"),
            Tok::Semi => "`;`".into(),
            Tok::Comma => "`,`".into(),
            Tok::Colon => "`:`".into(),
            Tok::End => "the end of the filter".into(),
        }
    }
}

fn tokenize(input: &str) -> Result<Vec<(usize, Tok)>, FilterError> {
    let err = |offset: usize, message: String| FilterError {
        input: input.to_owned(),
        offset,
        message,
    };
    let mut out = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        match c {
            ';' | ',' | ':' => {
                chars.next();
                out.push((
                    i,
                    if c == ';' {
                        Tok::Semi
                    } else if c == ',' {
                        Tok::Comma
                    } else {
                        Tok::Colon
                    },
                ));
            }
            '"' | '\'' => {
                chars.next();
                let mut s = String::new();
                let mut closed = false;
                while let Some((_, d)) = chars.next() {
                    if d == '\\' && c == '"' {
                        if let Some((_, e)) = chars.next() {
                            s.push(e);
                        }
                        continue;
                    }
                    if d == c {
                        closed = true;
                        break;
                    }
                    s.push(d);
                }
                if !closed {
                    return Err(err(
                        i,
                        format!("unterminated quoted value; close it with {c}"),
                    ));
                }
                out.push((i, Tok::Quoted(s)));
            }
            '=' | '<' | '>' => {
                chars.next();
                let two = chars.peek().is_some_and(|&(_, d)| d == '=') && c != '=';
                if two {
                    chars.next();
                }
                let op = match (c, two) {
                    ('=', _) => "=",
                    ('<', false) => "<",
                    ('<', true) => "<=",
                    ('>', false) => ">",
                    (_, _) => ">=",
                };
                out.push((i, Tok::Op(op)));
            }
            '!' if input[i + 1..].starts_with('=') => {
                chars.next();
                chars.next();
                out.push((i, Tok::Op("!=")));
            }
            _ => {
                let mut s = String::new();
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_whitespace()
                        || matches!(d, ';' | ',' | ':' | '=' | '<' | '>' | '"' | '\'')
                    {
                        break;
                    }
                    if d == '!' && input[j + 1..].starts_with('=') && !s.is_empty() {
                        break;
                    }
                    s.push(d);
                    chars.next();
                }
                out.push((i, Tok::Word(s)));
            }
        }
    }
    out.push((input.len(), Tok::End));
    Ok(out)
}

/// The operators of the spec, as listed in error messages.
fn operator_list(ops: &[Operator]) -> String {
    ops.iter()
        .map(|o| o.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every filter type with its kind, as listed in error messages.
pub fn filter_type_list() -> String {
    let names = |kind: FilterKind| {
        FilterType::ALL
            .iter()
            .filter(|t| t.kind() == kind)
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "flags (no value): {}; numeric (with an operator): {}; value lists (= or !=): {}",
        names(FilterKind::Flag),
        names(FilterKind::Numeric),
        names(FilterKind::Values)
    )
}

struct Parser<'i> {
    input: &'i str,
    toks: Vec<(usize, Tok)>,
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].1
    }

    fn offset(&self) -> usize {
        self.toks[self.pos].0
    }

    fn bump(&mut self) -> (usize, Tok) {
        let t = self.toks[self.pos].clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn err<T>(&self, offset: usize, message: impl Into<String>) -> Result<T, FilterError> {
        Err(FilterError {
            input: self.input.to_owned(),
            offset,
            message: message.into(),
        })
    }

    fn word_is(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Word(w) if w.eq_ignore_ascii_case(kw))
    }

    /// Consumes the next word when it is one of `values` (by `name`, any case).
    fn keyword<T: Copy>(&mut self, values: &[T], name: impl Fn(&T) -> &'static str) -> Option<T> {
        let Tok::Word(w) = self.peek() else {
            return None;
        };
        let found = values
            .iter()
            .find(|v| name(v).eq_ignore_ascii_case(w))
            .copied();
        if found.is_some() {
            self.bump();
        }
        found
    }

    fn group(&mut self) -> Result<FilterGroup, FilterError> {
        let mut exclusivity = Exclusivity::Include;
        let mut logical = LogicalOperator::And;
        let mut header = false;
        if let Some(e) = self.keyword(Exclusivity::ALL, |e| e.as_str()) {
            exclusivity = e;
            header = true;
        }
        if let Some(l) = self.keyword(LogicalOperator::ALL, |l| l.as_str()) {
            logical = l;
            header = true;
        }
        if *self.peek() == Tok::Colon {
            if !header {
                return self.err(
                    self.offset(),
                    "`:` ends a header such as `include and:`; expected a filter type before it",
                );
            }
            self.bump();
        }
        let mut rules = Vec::new();
        loop {
            if *self.peek() == Tok::End {
                if rules.is_empty() {
                    return self.err(
                        self.offset(),
                        format!(
                            "expected a filter rule; filter types are {}",
                            filter_type_list()
                        ),
                    );
                }
                break;
            }
            rules.push(self.rule()?);
            match self.peek() {
                Tok::Semi => {
                    self.bump();
                }
                Tok::End => break,
                other => {
                    let d = other.describe();
                    return self.err(
                        self.offset(),
                        format!("expected `;` between rules or the end of the filter, found {d}"),
                    );
                }
            }
        }
        Ok(FilterGroup::new(exclusivity, logical, rules))
    }

    fn rule(&mut self) -> Result<FilterRule, FilterError> {
        let (at, tok) = self.bump();
        let name = match tok {
            Tok::Word(w) | Tok::Quoted(w) => w,
            other => {
                return self.err(
                    at,
                    format!(
                        "expected a filter type, found {}; filter types are {}",
                        other.describe(),
                        filter_type_list()
                    ),
                );
            }
        };
        let Some(kind) = FilterType::ALL
            .iter()
            .copied()
            .find(|t| t.as_str().eq_ignore_ascii_case(&name))
        else {
            return self.err(
                at,
                format!(
                    "unknown filter type `{name}`; filter types are {}",
                    filter_type_list()
                ),
            );
        };
        let rule = FilterRule::new(kind);
        match kind.kind() {
            FilterKind::Flag => {
                if !matches!(self.peek(), Tok::Semi | Tok::End) {
                    let d = self.peek().describe();
                    return self.err(
                        self.offset(),
                        format!("filter `{kind}` is a flag and takes no operator or value, found {d}; end the rule with `;`"),
                    );
                }
                Ok(rule)
            }
            FilterKind::Numeric => {
                let op = self.operator(kind, Operator::ALL)?;
                if op.arity() == 2 {
                    let lo = self.number(kind)?;
                    if self.word_is("and") || *self.peek() == Tok::Comma {
                        self.bump();
                    }
                    let hi = self.number(kind)?;
                    Ok(rule.operator(op).lower_value(lo).upper_value(hi))
                } else {
                    let mut values = vec![self.number(kind)?];
                    while *self.peek() == Tok::Comma {
                        self.bump();
                        values.push(self.number(kind)?);
                    }
                    Ok(rule.operator(op).value(values))
                }
            }
            FilterKind::Values => {
                let allowed: Vec<Operator> = Operator::ALL
                    .iter()
                    .copied()
                    .filter(|o| o.arity() == 1 && matches!(o.as_str(), "=" | "!="))
                    .collect();
                let op = self.operator(kind, &allowed)?;
                let mut values = vec![self.value(kind)?];
                while *self.peek() == Tok::Comma {
                    self.bump();
                    values.push(self.value(kind)?);
                }
                Ok(rule.operator(op).value(values))
            }
        }
    }

    fn operator(
        &mut self,
        kind: FilterType,
        allowed: &[Operator],
    ) -> Result<Operator, FilterError> {
        let at = self.offset();
        let text = match self.peek() {
            Tok::Op(o) => (*o).to_owned(),
            Tok::Word(w) => w.clone(),
            _ => String::new(),
        };
        match allowed
            .iter()
            .copied()
            .find(|o| o.as_str().eq_ignore_ascii_case(&text))
        {
            Some(op) => {
                self.bump();
                Ok(op)
            }
            None => {
                let found = self.peek().describe();
                let what = if Operator::ALL
                    .iter()
                    .any(|o| o.as_str().eq_ignore_ascii_case(&text))
                {
                    format!("operator `{text}` does not apply to filter `{kind}`")
                } else {
                    format!("expected an operator after `{kind}`, found {found}")
                };
                self.err(at, format!("{what}; allowed: {}", operator_list(allowed)))
            }
        }
    }

    fn value(&mut self, kind: FilterType) -> Result<String, FilterError> {
        let at = self.offset();
        match self.bump() {
            (_, Tok::Word(w)) | (_, Tok::Quoted(w)) => Ok(w),
            (_, other) => self.err(
                at,
                format!(
                    "expected a value for filter `{kind}`, found {}",
                    other.describe()
                ),
            ),
        }
    }

    fn number(&mut self, kind: FilterType) -> Result<String, FilterError> {
        let at = self.offset();
        let v = self.value(kind)?;
        if dlspbx_core::scalar::read_decimal(&v).is_none() {
            return self.err(
                at,
                format!("filter `{kind}` compares numbers; `{v}` is not a number"),
            );
        }
        Ok(v)
    }
}

/// Parses one `--filter` into a filter group.
pub fn parse(input: &str) -> Result<FilterGroup, FilterError> {
    let toks = tokenize(input)?;
    let mut p = Parser {
        input,
        toks,
        pos: 0,
    };
    p.group()
}

/// Writes a group back in the mini-language (`parse(&format(g)) == g`).
pub fn format(group: &FilterGroup) -> String {
    let quote = |v: &str| {
        let plain = !v.is_empty()
            && !v.chars().any(|c| {
                c.is_whitespace()
                    || matches!(
                        c,
                        ';' | ',' | ':' | '=' | '<' | '>' | '"' | '\'' | '!' | '\\'
                    )
            })
            && !v.eq_ignore_ascii_case("and");
        if plain {
            v.to_owned()
        } else {
            format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
        }
    };
    let rules: Vec<String> = group
        .rules
        .iter()
        .map(|r| {
            let mut s = r.kind.as_str().to_owned();
            if let Some(op) = r.operator {
                s.push(' ');
                s.push_str(op.as_str());
                if op.arity() == 2 {
                    s.push_str(&format!(
                        " {} {}",
                        quote(r.lower_value.as_deref().unwrap_or("")),
                        quote(r.upper_value.as_deref().unwrap_or(""))
                    ));
                } else {
                    s.push(' ');
                    s.push_str(
                        &r.value
                            .iter()
                            .map(|v| quote(v))
                            .collect::<Vec<_>>()
                            .join(","),
                    );
                }
            }
            s
        })
        .collect();
    format!(
        "{} {}: {}",
        group.exclusivity.as_str(),
        group.logical_operator.as_str(),
        rules.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_brief_example() {
        let g = parse("include and: duration between 30 60; bridged").unwrap();
        assert_eq!(g.exclusivity, Exclusivity::Include);
        assert_eq!(g.logical_operator, LogicalOperator::And);
        assert_eq!(g.rules.len(), 2);
        assert_eq!(g.rules[0].kind, FilterType::Duration);
        assert_eq!(g.rules[0].operator, Some(Operator::Between));
        assert_eq!(g.rules[0].lower_value.as_deref(), Some("30"));
        assert_eq!(g.rules[0].upper_value.as_deref(), Some("60"));
        assert_eq!(g.rules[1].kind, FilterType::Bridged);
        assert_eq!(g.rules[1].operator, None);
    }

    #[test]
    fn header_is_optional_and_case_insensitive() {
        let g = parse("DURATION >= 30").unwrap();
        assert_eq!(g.exclusivity, Exclusivity::Include);
        assert_eq!(g.rules[0].operator, Some(Operator::Ge));
        let g = parse("exclude or direction != inbound,outbound; tn = '815 555 1234'").unwrap();
        assert_eq!(g.exclusivity, Exclusivity::Exclude);
        assert_eq!(g.logical_operator, LogicalOperator::Or);
        assert_eq!(g.rules[0].value, vec!["inbound", "outbound"]);
        assert_eq!(g.rules[1].value, vec!["815 555 1234"]);
        let g = parse("exclude: fax_page_count !between 1 and 3;").unwrap();
        assert_eq!(g.rules[0].operator, Some(Operator::NotBetween));
    }

    #[test]
    fn every_operator_parses() {
        for op in Operator::ALL {
            let text = if op.arity() == 2 {
                format!("duration {} 1 2", op.as_str())
            } else {
                format!("duration {} 5", op.as_str())
            };
            let g = parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(g.rules[0].operator, Some(*op));
        }
    }

    #[test]
    fn every_filter_type_parses_and_round_trips() {
        for t in FilterType::ALL {
            let text = match t.kind() {
                FilterKind::Flag => t.as_str().to_owned(),
                FilterKind::Numeric => format!("{} > 3", t.as_str()),
                FilterKind::Values => format!("{} = a,\"b c\"", t.as_str()),
            };
            let g = parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(g.rules[0].kind, *t);
            assert_eq!(parse(&format(&g)).unwrap(), g);
        }
    }

    #[test]
    fn errors_point_at_the_token_and_list_what_is_allowed() {
        let e = parse("include and: duraton > 3").unwrap_err();
        assert_eq!(e.offset, 13);
        assert!(
            e.message.contains("unknown filter type `duraton`"),
            "{}",
            e.message
        );
        assert!(e.message.contains("bridged") && e.message.contains("direction"));
        let shown = e.to_string();
        assert!(
            shown.ends_with(&format!("  {}^", " ".repeat(13))),
            "{shown}"
        );

        let e = parse("duration 30").unwrap_err();
        assert_eq!(e.offset, 9);
        assert!(
            e.message.contains("between") && e.message.contains(">="),
            "{}",
            e.message
        );

        let e = parse("direction > inbound").unwrap_err();
        assert!(e.message.contains("does not apply"), "{}", e.message);
        assert!(e.message.contains("allowed: =, !="), "{}", e.message);

        let e = parse("bridged = 1").unwrap_err();
        assert!(e.message.contains("is a flag"), "{}", e.message);

        let e = parse("duration between 30").unwrap_err();
        assert!(e.message.contains("expected a value"), "{}", e.message);

        let e = parse("duration > abc").unwrap_err();
        assert!(e.message.contains("not a number"), "{}", e.message);

        let e = parse("bridged parked").unwrap_err();
        assert!(e.message.contains("is a flag"), "{}", e.message);

        let e = parse("").unwrap_err();
        assert!(
            e.message.contains("expected a filter rule"),
            "{}",
            e.message
        );

        let e = parse("tn = 'abc").unwrap_err();
        assert!(e.message.contains("unterminated"), "{}", e.message);
    }
}
