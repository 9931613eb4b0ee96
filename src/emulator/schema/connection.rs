//! Relay connections: `edges { cursor node }` and `pageInfo`, paged with
//! `first`/`after` (and `last`/`before`). Each connection has its own type
//! name in Railway's schema, so a macro stamps them out.

use async_graphql::SimpleObject;

use super::guard::{GqlResult, api_error};
use crate::emulator::ops::ApiError;

/// Relay page information.
#[derive(SimpleObject, Debug, Clone, Default)]
pub struct PageInfo {
    /// The cursor of the last edge returned.
    pub end_cursor: Option<String>,
    /// Whether edges follow this page.
    pub has_next_page: bool,
    /// Whether edges precede this page.
    pub has_previous_page: bool,
    /// The cursor of the first edge returned.
    pub start_cursor: Option<String>,
}

/// Paging arguments as they come in.
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    pub after: Option<String>,
    pub before: Option<String>,
    pub first: Option<i32>,
    pub last: Option<i32>,
}

impl PageArgs {
    /// The four paging arguments, in the alphabetical order resolvers take them.
    pub fn new(
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Self {
        PageArgs {
            after,
            before,
            first,
            last,
        }
    }
}

/// Cuts one page out of `(cursor, node)` items. There is no default page
/// size: without `first`/`last` every item is returned.
pub fn paginate<T>(
    items: Vec<(String, T)>,
    args: PageArgs,
) -> GqlResult<(Vec<(String, T)>, PageInfo)> {
    for n in [args.first, args.last].into_iter().flatten() {
        if n < 0 {
            return Err(api_error(ApiError::BadInput(
                "`first` and `last` must not be negative".into(),
            )));
        }
    }
    let total = items.len();
    let mut start = 0;
    let mut end = total;
    if let Some(after) = &args.after {
        start = match items.iter().position(|(c, _)| c == after) {
            Some(i) => i + 1,
            None => total,
        };
    }
    if let Some(before) = &args.before
        && let Some(i) = items.iter().position(|(c, _)| c == before)
    {
        end = end.min(i);
    }
    let start_window = start.min(end);
    let mut lo = start_window;
    let mut hi = end;
    if let Some(first) = args.first {
        hi = hi.min(lo + first as usize);
    }
    if let Some(last) = args.last {
        lo = lo.max(hi.saturating_sub(last as usize));
    }
    let page: Vec<(String, T)> = items.into_iter().skip(lo).take(hi - lo).collect();
    let info = PageInfo {
        start_cursor: page.first().map(|(c, _)| c.clone()),
        end_cursor: page.last().map(|(c, _)| c.clone()),
        has_next_page: hi < total,
        has_previous_page: lo > 0,
    };
    Ok((page, info))
}

/// Declares a connection and its edge type over a node type.
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ty) => {
        /// An edge of a connection.
        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            /// The opaque position of this edge.
            pub cursor: String,
            /// The item.
            pub node: $node,
        }

        /// A Relay connection.
        #[derive(async_graphql::SimpleObject)]
        pub struct $conn {
            /// The items of this page.
            pub edges: Vec<$edge>,
            /// Where this page sits.
            pub page_info: $crate::emulator::schema::connection::PageInfo,
        }

        impl $conn {
            /// Pages `items` (cursor, node) into a connection.
            pub fn build(
                items: Vec<(String, $node)>,
                args: $crate::emulator::schema::connection::PageArgs,
            ) -> $crate::emulator::schema::guard::GqlResult<Self> {
                let (page, page_info) =
                    $crate::emulator::schema::connection::paginate(items, args)?;
                Ok($conn {
                    edges: page
                        .into_iter()
                        .map(|(cursor, node)| $edge { cursor, node })
                        .collect(),
                    page_info,
                })
            }
        }
    };
}
pub(crate) use connection;

#[cfg(test)]
mod tests {
    use super::*;

    fn items() -> Vec<(String, i32)> {
        (1..=5).map(|i| (format!("c{i}"), i)).collect()
    }

    #[test]
    fn pages_forward_with_first_and_after() {
        let (page, info) = paginate(
            items(),
            PageArgs {
                first: Some(2),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(page.iter().map(|p| p.1).collect::<Vec<_>>(), [1, 2]);
        assert!(info.has_next_page && !info.has_previous_page);
        let after = info.end_cursor;
        let (page, info) = paginate(
            items(),
            PageArgs {
                first: Some(10),
                after,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(page.iter().map(|p| p.1).collect::<Vec<_>>(), [3, 4, 5]);
        assert!(!info.has_next_page && info.has_previous_page);
    }

    #[test]
    fn pages_backward_with_last() {
        let (page, _) = paginate(
            items(),
            PageArgs {
                last: Some(2),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(page.iter().map(|p| p.1).collect::<Vec<_>>(), [4, 5]);
        assert!(
            paginate(
                items(),
                PageArgs {
                    first: Some(-1),
                    ..Default::default()
                }
            )
            .is_err()
        );
    }
}
