//! The POSIX sh lexer: tokens tile the command in order, content spans lie inside their
//! token, and lexing twice gives the same tokens.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rampart_core::lex::shell::ShellLexer;
use rampart_fuzz::assert_tiles;

fuzz_target!(|command: &[u8]| {
    let tokens: Vec<_> = ShellLexer::new(command).collect();
    for t in &tokens {
        assert!(t.start <= t.content_start && t.content_start <= t.content_end && t.content_end <= t.end, "{t:?}");
    }
    let spans: Vec<_> = tokens.iter().map(|t| (t.start, t.end)).collect();
    assert_tiles("shell", command.len(), &spans);
    assert!(ShellLexer::new(command).eq(tokens.iter().copied()), "shell lexing is not deterministic");
});
