package dev.rampart;

import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.Cleaner;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * The JNI boundary: every native method of librampart_jni, and the one-time loading of
 * the library from this JAR ({@code native/<os>-<arch>/}).
 *
 * <p>Handles are addresses of Rust objects; the public classes own them and release them
 * through {@link #CLEANER}. Checks return 0 when they found nothing and otherwise fill an
 * {@code int[7]} (see {@link Verdict}).
 */
final class Native {
    private Native() {}

    /** Releases engines and requests that were not closed. */
    static final Cleaner CLEANER = Cleaner.create();

    /** Resource directory of this machine's library, as the JAR lays it out. */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String osName = os.startsWith("linux") ? "linux" : os.startsWith("mac") ? "macos"
                : os.startsWith("windows") ? "windows" : os.replace(' ', '_');
        String archName = arch.equals("amd64") || arch.equals("x86_64") ? "x86_64"
                : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : arch;
        return osName + "-" + archName;
    }

    private static String libraryFile(String platform) {
        return platform.startsWith("windows") ? "rampart_jni.dll"
                : platform.startsWith("macos") ? "librampart_jni.dylib" : "librampart_jni.so";
    }

    /** Loads the library once; the holder idiom makes the first caller pay and the JVM lock it. */
    private static final class Loaded {
        static final RuntimeException FAILURE = load();
    }

    static void ensureLoaded() {
        if (Loaded.FAILURE != null) {
            throw Loaded.FAILURE;
        }
    }

    private static RuntimeException load() {
        try {
            String override = System.getProperty("rampart.native.library");
            if (override != null && !override.isEmpty()) {
                System.load(Path.of(override).toAbsolutePath().toString());
                return null;
            }
            String platform = platform();
            String resource = "native/" + platform + "/" + libraryFile(platform);
            URL url = Native.class.getClassLoader() != null
                    ? Native.class.getClassLoader().getResource(resource)
                    : ClassLoader.getSystemResource(resource);
            if (url == null) {
                url = Native.class.getResource("/" + resource);
            }
            if (url == null) {
                return new UnsupportedOperationException("rampart: this JAR has no native library for platform "
                        + platform + " (os.name=" + System.getProperty("os.name") + ", os.arch="
                        + System.getProperty("os.arch") + "); it ships native/linux-x86_64/. Build one with "
                        + "`cargo build --release -p rampart-jni` and pass -Drampart.native.library=PATH");
            }
            Path file = Files.createTempFile("librampart_jni-", libraryFile(platform));
            try (InputStream in = url.openStream()) {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                System.load(file.toAbsolutePath().toString());
            } finally {
                // A loaded library stays mapped: the file is not needed any more.
                Files.deleteIfExists(file);
            }
            return null;
        } catch (IOException | UnsatisfiedLinkError | SecurityException e) {
            return new IllegalStateException("rampart: cannot load the native library for " + platform() + ": " + e, e);
        }
    }

    // Request fields of requestSet.
    static final int METHOD = 0, PATH = 1, ROUTE = 2, HOST = 3;
    // Encodings of requestAddEncoded.
    static final int QUERY_STRING = 0, FORM_BODY = 1, COOKIE_HEADER = 2;

    static native String version();
    static native String reasonName(int code);
    static native String reasonDescription(int code);
    static native String newEventId();
    static native void panicForTest(String message);

    static native long engineNew(String policyJson);
    static native long engineFromEnv();
    static native void engineFree(long engine);
    static native int engineMode(long engine);
    static native boolean engineFailClosed(long engine);
    static native int engineAction(long engine, int threat);
    static native int blockStatus(long engine);
    static native String blockContentType(long engine);
    static native String blockBody(long engine, String eventId);
    static native String eventJson(long engine, long request, int[] verdict, String sinkKind, String resource,
            String operation, String eventId, String clientIp, String userAgent, String requestId, String[] stack);
    static native String errorEventJson(long engine, long request, String sinkKind, String errorKind, String message,
            String operation, String eventId, String clientIp, String userAgent, String requestId, String[] stack);

    // Resources cross as UTF-8 bytes (String.getBytes), read in place by the library.
    static native int checkSql(long engine, long request, int dialect, byte[] query, int[] out);
    static native int checkShell(long engine, long request, byte[] command, int[] out);
    static native int checkExec(long engine, long request, String[] argv, int[] out);
    static native int checkNosql(long engine, long request, byte[] filter, int[] out);
    static native int checkPath(long engine, long request, byte[] path, int[] out);
    static native int checkUrl(long engine, long request, byte[] url, int[] out);
    static native int checkResolvedIp(long engine, long request, byte[] host, byte[] ip, int[] out);
    static native int checkRedirect(long engine, long request, byte[] location, int[] out);

    static native int inspect(long engine, long request, int[] out);
    static native int checkHeader(long engine, long request, byte[] name, byte[] value, int[] out);

    static native long requestNew();
    static native void requestFree(long request);
    static native void requestReset(long request);
    static native void requestAddInput(long request, int source, String key, String value);
    static native void requestSet(long request, int field, String value);
    static native void requestAddEncoded(long request, int encoding, String data);
    static native void requestAddPairs(long request, int source, String[] pairs);
    static native void requestAddHeader(long request, String name, String value);
    static native void requestAddJson(long request, byte[] body, int length);
    static native void requestAddFile(long request, String field, String filename, String contentType, byte[] head,
            int length);
    static native int requestLength(long request);
    static native String[] requestInput(long request, int index);
}
