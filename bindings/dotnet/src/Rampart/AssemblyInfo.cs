using System.Runtime.CompilerServices;

// The Mono-built test program checks internals (status mapping, the UTF-8 scratch).
[assembly: InternalsVisibleTo("Rampart.Tests")]
