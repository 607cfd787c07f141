package dev.rampart.agent;

import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * The advice ByteBuddy inlines into the hooked methods. Each body is one call into
 * {@link Hooks}, so the inlined code is small and every decision lives in one place.
 * {@code @Advice.Origin} strings are constants in the hooked class: no allocation.
 */
final class Advices {
    private Advices() {}

    /** {@code HttpServlet.service(ServletRequest, ServletResponse)}, javax and jakarta. */
    static final class Service {
        /** Returns true to skip the application's {@code service}: payload inspection blocked the request. */
        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(
                @Advice.Argument(value = 0, readOnly = false, typing = Assigner.Typing.DYNAMIC) Object request,
                @Advice.Argument(1) Object response) {
            boolean blocked = Hooks.servletEnter(request, response);
            request = Hooks.servletRequest(request);
            return blocked;
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@Advice.Argument(1) Object response,
                @Advice.Thrown(readOnly = false, typing = Assigner.Typing.DYNAMIC) Throwable thrown) {
            thrown = Hooks.servletExit(response, thrown);
        }
    }

    /** {@code ServletInputStream.read(byte[], int, int)}: what the application reads of its body. */
    static final class BodyRead {
        @Advice.OnMethodExit
        static void exit(@Advice.Argument(0) byte[] buffer, @Advice.Argument(1) int offset,
                @Advice.Return int count) {
            Hooks.bodyRead(buffer, offset, count);
        }
    }

    /** {@code Statement.execute*(String...)} and {@code addBatch(String)}. */
    static final class StatementSql {
        @Advice.OnMethodEnter
        static void enter(@Advice.This Object statement, @Advice.Argument(0) String sql,
                @Advice.Origin("java.sql.Statement.#m") String operation) {
            Hooks.statement(statement, sql, operation);
        }
    }

    /** {@code Connection.prepareStatement(String...)} and {@code prepareCall(String...)}. */
    static final class PrepareSql {
        @Advice.OnMethodEnter
        static void enter(@Advice.This Object connection, @Advice.Argument(0) String sql,
                @Advice.Origin("java.sql.Connection.#m") String operation) {
            Hooks.prepare(connection, sql, operation);
        }
    }

    /** {@code ProcessBuilder.start()}, which every {@code Runtime.exec} goes through. */
    static final class ProcessStart {
        @Advice.OnMethodEnter
        static void enter(@Advice.This ProcessBuilder builder) {
            Hooks.exec(builder);
        }
    }

    /** File stream constructors and {@code java.nio.file.Files} methods: argument 0 is the file. */
    static final class FileOpen {
        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) Object file, @Advice.Origin("#t.#m") String operation) {
            Hooks.path(file, operation);
        }
    }

    /** {@code URL.openConnection()}. */
    static final class UrlOpen {
        @Advice.OnMethodEnter
        static void enter(@Advice.This Object url) {
            Hooks.url(url, "java.net.URL.openConnection");
        }
    }

    /** {@code HttpClient.send/sendAsync(HttpRequest, ...)}. */
    static final class HttpClientSend {
        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) Object request, @Advice.Origin("java.net.http.HttpClient.#m") String op) {
            Hooks.httpRequest(request, op);
        }
    }

    /** {@code Socket.connect} and {@code SocketChannel.connect}: the address really used. */
    static final class Connect {
        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) Object address, @Advice.Origin("#t.#m") String operation) {
            Hooks.connect(address, operation);
        }
    }

    /** {@code HttpServletResponse.sendRedirect(location, ...)}. */
    static final class Redirect {
        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) String location) {
            Hooks.redirect(location, "HttpServletResponse.sendRedirect");
        }
    }

    /** {@code HttpServletResponse.setHeader/addHeader(name, value)}. */
    static final class Header {
        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) String name, @Advice.Argument(1) String value,
                @Advice.Origin("HttpServletResponse.#m") String operation) {
            Hooks.header(name, value, operation);
        }
    }
}
