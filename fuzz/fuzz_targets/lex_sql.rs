//! The SQL lexer of every dialect (the first byte picks it, the backslash reading of
//! `generic` included): tokens tile the input in order, content spans lie inside their
//! token, and lexing twice gives the same tokens.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rampart_core::lex::sql::{SqlLexer, SqlRules};
use rampart_core::Dialect;
use rampart_fuzz::assert_tiles;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, query)) = data.split_first() else { return };
    let rules: &SqlRules = match Dialect::from_code(u32::from(pick % 7) + 1) {
        Some(dialect) => dialect.rules(),
        None => &SqlRules::GENERIC_BACKSLASH,
    };
    let tokens: Vec<_> = SqlLexer::new(rules, query).collect();
    for t in &tokens {
        assert!(t.start <= t.content_start && t.content_start <= t.content_end && t.content_end <= t.end, "{t:?}");
    }
    let spans: Vec<_> = tokens.iter().map(|t| (t.start, t.end)).collect();
    assert_tiles("sql", query.len(), &spans);
    assert!(SqlLexer::new(rules, query).eq(tokens.iter().copied()), "sql lexing is not deterministic");
});
