//! Rows read up front by a purpose-built reader (XML, whose rows cannot be found again cheaply
//! in the body): every cell in one list (borrowed from the body unless the wire escaped it)
//! and where each row ends. Rows are handed out borrowing the cells: reading them copies no
//! text. (Cells as 8-byte offsets into the body were measured too: they cost more instructions
//! to store and to read back than they save.)

use crate::wire::Str;
use std::borrow::Cow;

/// The cells of every row, in order, and where each row ends.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct FlatRows<'a> {
    cells: Vec<Cow<'a, str>>,
    ends: Vec<usize>,
}

/// Collects the cells of a body, row by row.
#[derive(Debug)]
pub(crate) struct FlatCells<'a> {
    rows: FlatRows<'a>,
}

impl<'a> FlatCells<'a> {
    /// Storage for the cells of `_src`, with room for `cells`.
    pub(crate) fn new(_src: &'a str, cells: usize) -> Self {
        FlatCells {
            rows: FlatRows {
                cells: Vec::with_capacity(cells),
                ends: Vec::new(),
            },
        }
    }

    /// Adds a cell to the current row.
    #[inline]
    pub(crate) fn push(&mut self, cell: Cow<'a, str>) {
        self.rows.cells.push(cell);
    }

    /// Ends the current row.
    #[inline]
    pub(crate) fn end_row(&mut self) {
        self.rows.ends.push(self.rows.cells.len());
    }

    pub(crate) fn finish(self) -> FlatRows<'a> {
        self.rows
    }
}

impl FlatRows<'_> {
    /// Detaches the rows from the body.
    pub(crate) fn into_owned(self) -> FlatRows<'static> {
        FlatRows {
            cells: self
                .cells
                .into_iter()
                .map(|c| Cow::Owned(c.into_owned()))
                .collect(),
            ends: self.ends,
        }
    }

    /// The rows, one at a time.
    pub(crate) fn iter(&self) -> FlatIter<'_> {
        FlatIter {
            cells: &self.cells,
            ends: self.ends.iter(),
            start: 0,
        }
    }
}

/// An iterator over the rows of [`FlatRows`], borrowing every cell.
#[derive(Debug, Clone)]
pub(crate) struct FlatIter<'t> {
    cells: &'t [Cow<'t, str>],
    ends: std::slice::Iter<'t, usize>,
    start: usize,
}

impl<'t> Iterator for FlatIter<'t> {
    type Item = Vec<Str<'t>>;

    fn next(&mut self) -> Option<Vec<Str<'t>>> {
        let end = *self.ends.next()?;
        let row = self.cells.get(self.start..end).unwrap_or_default();
        self.start = end;
        Some(row.iter().map(|c| Str(Cow::Borrowed(c.as_ref()))).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_borrow_their_cells() {
        let body = String::from("alpha,beta,gamma");
        let mut flat = FlatCells::new(&body, 4);
        flat.push(Cow::Borrowed(&body[0..5]));
        flat.push(Cow::Borrowed(""));
        flat.end_row();
        flat.push(Cow::Owned("decoded".into()));
        flat.push(Cow::Borrowed(&body[11..]));
        flat.end_row();
        flat.end_row();
        let rows = flat.finish();
        assert_eq!(rows.iter().count(), 3);
        let read: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(
            read,
            vec![vec!["alpha", ""], vec!["decoded", "gamma"], vec![]]
        );
        assert!(rows.iter().all(|r| r.iter().all(Str::is_borrowed)));
        let owned = rows.clone().into_owned();
        assert_eq!(owned, rows);
    }
}
