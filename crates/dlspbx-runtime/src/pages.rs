//! Pagination, shared by both clients: which request to send next and when to stop.
//!
//! `client.report_pages(request)` and `client.sms_pages(request)` drive a [`Pager`]: the
//! blocking client as an `Iterator`, `dlspbx-async` as a `Stream`. Each item is one page,
//! decoded and owned; the first error ends the sequence.

use crate::raw::RawResponse;
use dlspbx_core::report::{Page, ReportTable};
use dlspbx_core::reports::{ReportOption, ReportRequest};
use dlspbx_core::sms::{QuerySmsRequest, QuerySmsResponse};
use dlspbx_core::{Endpoint, Result, Str};

/// Page size used when the request does not set one (`per_page`, `results_limit`).
pub const DEFAULT_PAGE_SIZE: u64 = 100;

/// The state of a paginated query.
pub trait Pager {
    /// The action sent for each page.
    type Request: Endpoint;
    /// What each page yields.
    type Page;
    /// The request for the next page, or `None` when every page has been read.
    fn next_request(&self) -> Option<Self::Request>;
    /// Decodes the response to the last request and moves past it.
    fn take_page(&mut self, raw: &RawResponse) -> Result<Self::Page>;
    /// Ends the sequence (after an error).
    fn stop(&mut self);
}

/// Pages of a CDR report: `page=0,1,2..` (from the request's `page`, if set) with `per_page`
/// rows (the request's, or [`DEFAULT_PAGE_SIZE`]), until a page has fewer rows than
/// `per_page` or, when the body says it, `total_results` is reached. A CSV body never says it
/// ([`ReportTable::total_results`] is `None`), so pages over CSV end at the first short (or
/// empty) page.
///
/// A request with `page=ALL`, `page_offset` or `count_only=true` is sent once, as it is.
#[derive(Debug, Clone)]
pub struct ReportPager {
    request: ReportRequest,
    per_page: u64,
    page: u64,
    single: bool,
    done: bool,
}

impl ReportPager {
    /// Starts paging `request`.
    pub fn new(mut request: ReportRequest) -> Self {
        let mut per_page = None;
        let mut page = 0;
        let mut single = false;
        for option in &request.options {
            match option {
                ReportOption::PerPage(n) => per_page = Some(*n),
                ReportOption::Page(Page::Number(n)) => page = *n,
                ReportOption::Page(Page::All)
                | ReportOption::PageOffset(_)
                | ReportOption::CountOnly(true) => single = true,
                _ => {}
            }
        }
        if !single {
            request
                .options
                .retain(|o| !matches!(o, ReportOption::Page(_) | ReportOption::PerPage(_)));
        }
        let per_page = per_page.filter(|&n| n > 0).unwrap_or(DEFAULT_PAGE_SIZE);
        ReportPager {
            request,
            per_page,
            page,
            single,
            done: false,
        }
    }

    /// Rows per page.
    pub fn per_page(&self) -> u64 {
        self.per_page
    }
}

impl Pager for ReportPager {
    type Request = ReportRequest;
    type Page = ReportTable<'static>;

    fn next_request(&self) -> Option<ReportRequest> {
        if self.done {
            return None;
        }
        let mut request = self.request.clone();
        if !self.single {
            request.options.push(ReportOption::PerPage(self.per_page));
            request
                .options
                .push(ReportOption::Page(Page::Number(self.page)));
        }
        Some(request)
    }

    fn take_page(&mut self, raw: &RawResponse) -> Result<ReportTable<'static>> {
        let (table, rows) = own_report(raw.decode::<ReportRequest>()?)?;
        self.page += 1;
        let rows = rows as u64;
        let total = table
            .total_results()
            .and_then(|t| u64::try_from(t).ok())
            .filter(|&t| t > 0);
        self.done = self.single
            || rows == 0
            || rows < self.per_page
            || total.is_some_and(|total| self.page.saturating_mul(self.per_page) >= total);
        Ok(table)
    }

    fn stop(&mut self) {
        self.done = true;
    }
}

/// Reads every row of `table` (failing on a malformed one) and detaches it from the body;
/// returns the owned table and its number of rows.
pub fn own_report(table: ReportTable<'_>) -> Result<(ReportTable<'static>, usize)> {
    let rows = table
        .rows()
        .map(|row| row.map(|r| r.cells.into_iter().map(Str::into_owned).collect::<Vec<_>>()))
        .collect::<Result<Vec<_>>>()?;
    let count = rows.len();
    let total = table.total_results();
    let title = table.title.map(Str::into_owned);
    let columns = table.columns.into_iter().map(Str::into_owned).collect();
    Ok((ReportTable::new(total, title, columns, rows), count))
}

/// Pages of the SMS record table: `results_offset` from the request's (or 0) in steps of
/// `results_limit` (the request's, or [`DEFAULT_PAGE_SIZE`]), until a page has fewer records
/// than the limit or `total_results` is reached.
#[derive(Debug, Clone)]
pub struct SmsPager {
    request: QuerySmsRequest,
    limit: i64,
    offset: i64,
    done: bool,
}

impl SmsPager {
    /// Starts paging `request`.
    pub fn new(request: QuerySmsRequest) -> Self {
        let limit = request
            .results_limit
            .filter(|&n| n > 0)
            .unwrap_or(DEFAULT_PAGE_SIZE as i64);
        let offset = request.results_offset.unwrap_or(0).max(0);
        SmsPager {
            request,
            limit,
            offset,
            done: false,
        }
    }
}

impl Pager for SmsPager {
    type Request = QuerySmsRequest;
    type Page = QuerySmsResponse<'static>;

    fn next_request(&self) -> Option<QuerySmsRequest> {
        if self.done {
            return None;
        }
        let mut request = self.request.clone();
        request.results_limit = Some(self.limit);
        request.results_offset = Some(self.offset);
        Some(request)
    }

    fn take_page(&mut self, raw: &RawResponse) -> Result<QuerySmsResponse<'static>> {
        let page = raw.decode_owned::<QuerySmsRequest>()?;
        let n = page.results.len() as i64;
        self.offset += n;
        self.done = n == 0
            || n < self.limit
            || page
                .total_results
                .is_some_and(|total| total > 0 && self.offset >= total);
        Ok(page)
    }

    fn stop(&mut self) {
        self.done = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dlspbx_core::Format;
    use dlspbx_core::reports::Column;

    fn report_body(total: usize, rows: usize) -> RawResponse {
        let rows: Vec<String> = (0..rows).map(|i| format!("[\"{i}\"]")).collect();
        let body = format!(
            "{{\"result\":\"success\",\"error\":\"\",\"total_results\":{total},\"columns\":[\"unique_id\"],\"results\":[{}]}}",
            rows.join(",")
        );
        RawResponse::new(200, Format::Json, body.into_bytes())
    }

    fn page_of(request: &ReportRequest) -> (Option<u64>, Option<u64>) {
        let mut out = (None, None);
        for o in &request.options {
            match o {
                ReportOption::Page(Page::Number(n)) => out.0 = Some(*n),
                ReportOption::PerPage(n) => out.1 = Some(*n),
                _ => {}
            }
        }
        out
    }

    #[test]
    fn report_pages_until_total() {
        let request = ReportRequest::new([Column::UniqueId]).option(ReportOption::PerPage(2));
        let mut pager = ReportPager::new(request);
        let mut seen = Vec::new();
        let mut remaining = 5usize;
        while let Some(req) = pager.next_request() {
            seen.push(page_of(&req));
            let n = remaining.min(2);
            remaining -= n;
            let table = pager.take_page(&report_body(5, n)).unwrap();
            assert_eq!(table.rows().count(), n);
        }
        assert_eq!(
            seen,
            vec![(Some(0), Some(2)), (Some(1), Some(2)), (Some(2), Some(2))]
        );
    }

    #[test]
    fn report_stops_on_exact_total_and_single() {
        let request = ReportRequest::new([Column::UniqueId]).option(ReportOption::PerPage(2));
        let mut pager = ReportPager::new(request.clone());
        pager.take_page(&report_body(4, 2)).unwrap();
        assert!(pager.next_request().is_some());
        pager.take_page(&report_body(4, 2)).unwrap();
        assert!(pager.next_request().is_none(), "4 of 4 rows read");

        let mut pager = ReportPager::new(request.option(ReportOption::Page(Page::All)));
        let req = pager.next_request().unwrap();
        assert!(req.options.contains(&ReportOption::Page(Page::All)));
        pager.take_page(&report_body(9, 2)).unwrap();
        assert!(pager.next_request().is_none());
    }

    #[cfg(feature = "csv")]
    fn csv_body(rows: usize) -> RawResponse {
        let mut body = String::from("unique_id\n");
        for i in 0..rows {
            body.push_str(&format!("{i}\n"));
        }
        RawResponse::new(200, Format::Csv, body.into_bytes())
    }

    #[cfg(feature = "csv")]
    #[test]
    fn csv_pages_have_no_total_and_end_at_a_short_page() {
        let request = ReportRequest::new([Column::UniqueId]).option(ReportOption::PerPage(2));
        let mut pager = ReportPager::new(request);
        let first = pager.take_page(&csv_body(2)).unwrap();
        assert_eq!(first.total_results(), None, "never the page's row count");
        assert!(
            pager.next_request().is_some(),
            "a full page: there may be more"
        );
        pager.take_page(&csv_body(2)).unwrap();
        assert!(pager.next_request().is_some());
        let last = pager.take_page(&csv_body(1)).unwrap();
        assert_eq!((last.total_results(), last.rows().count()), (None, 1));
        assert!(pager.next_request().is_none(), "a short page is the last");
    }

    #[test]
    fn sms_offsets() {
        let mut pager = SmsPager::new(QuerySmsRequest::new().results_limit(2).results_offset(1));
        let req = pager.next_request().unwrap();
        assert_eq!((req.results_limit, req.results_offset), (Some(2), Some(1)));
        pager.stop();
        assert!(pager.next_request().is_none());
    }
}
