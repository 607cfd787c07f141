//! The JSON tokenizer: tokens tile the text in order, content spans lie inside their
//! token, lexing twice gives the same tokens, and decoding a string's content ends.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rampart_core::lex::json::{decoded, decoded_eq, JsonLexer, JsonTokenKind};
use rampart_fuzz::assert_tiles;

fuzz_target!(|text: &[u8]| {
    let tokens: Vec<_> = JsonLexer::new(text).collect();
    for t in &tokens {
        assert!(t.start <= t.content_start && t.content_start <= t.content_end && t.content_end <= t.end, "{t:?}");
        if t.kind == JsonTokenKind::String {
            let content = &text[t.content_start..t.content_end];
            let bytes: Vec<u8> = decoded(content).collect();
            // Every escape stands for at most 4 bytes of UTF-8 and takes at least 2.
            assert!(bytes.len() <= content.len() * 2, "decoding {content:?} grew to {} bytes", bytes.len());
            assert!(decoded_eq(content, &bytes), "decoded_eq disagrees with decoded on {content:?}");
        }
    }
    let spans: Vec<_> = tokens.iter().map(|t| (t.start, t.end)).collect();
    assert_tiles("json", text.len(), &spans);
    assert!(JsonLexer::new(text).eq(tokens.iter().copied()), "json lexing is not deterministic");
});
