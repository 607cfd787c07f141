package dev.rampart.bench;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * A hooked {@code Statement.executeQuery} inside an HTTP request. Each benchmark call is
 * one request through {@code HttpServlet.service} (where the agent sets the request
 * context) that runs {@link #CALLS} queries, so the score is per query and the context's
 * set-up is spread over them; {@link #requestOnly} measures that set-up alone.
 * {@link AgentOverhead} runs it in JVMs with and without the agent.
 *
 * <p>The request is what a servlet container hands over (method, path, query string,
 * headers): the agent reads it through the servlet API, as it reads Jetty's or Tomcat's.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class SqlHook {
    static final int CALLS = 100;

    static final String QUERY_STRING = "category=books&q=rust+in+action&sort=price&page=2&size=20";
    static final Map<String, List<String>> HEADERS = Map.of(
            "Host", List.of("127.0.0.1:8080"),
            "User-Agent", List.of("Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"),
            "Accept", List.of("text/html"),
            "Accept-Language", List.of("en-GB,en;q=0.8"),
            "Cookie", List.of("session=4f2a9c81d0e7; theme=dark"));

    /** Has the JDBC signature (the agent hooks it as it hooks a driver's statement) and does nothing. */
    public static final class NullStatement {
        public ResultSet executeQuery(String sql) {
            return null;
        }
    }

    /** Runs the queries of one request. */
    static final class Queries extends HttpServlet {
        private static final long serialVersionUID = 1L;
        transient Blackhole blackhole;
        transient Statement sqlite;
        transient boolean useSqlite;
        int calls;

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) {
            // The parameter occurs in the query, inside a literal: the check lexes it.
            String query = "SELECT id, name, price FROM products WHERE category = '" + req.getParameter("category")
                    + "' AND price < 100 ORDER BY price";
            try {
                if (useSqlite) {
                    for (int i = 0; i < calls; i++) {
                        try (ResultSet r = sqlite.executeQuery(query)) {
                            blackhole.consume(r.next());
                        }
                    }
                } else {
                    NullStatement statement = new NullStatement();
                    for (int i = 0; i < calls; i++) {
                        blackhole.consume(statement.executeQuery(query));
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private final Queries servlet = new Queries();
    private Object request;
    private Object response;
    private Connection connection;

    @Setup(Level.Trial)
    public void setUp() throws SQLException {
        request = proxy(HttpServletRequest.class, (p, m, a) -> switch (m.getName()) {
            case "getMethod" -> "GET";
            case "getRequestURI" -> "/products";
            case "getQueryString" -> QUERY_STRING;
            case "getParameter" -> "category".equals(a[0]) ? "books" : null;
            case "getHeaderNames" -> Collections.enumeration(HEADERS.keySet());
            case "getHeaders" -> Collections.enumeration(HEADERS.getOrDefault((String) a[0], List.of()));
            case "getHeader" -> HEADERS.getOrDefault((String) a[0], List.of()).stream().findFirst().orElse(null);
            case "getRemoteAddr" -> "127.0.0.1";
            case "hashCode" -> System.identityHashCode(p);
            case "equals" -> p == a[0];
            default -> null;
        });
        response = proxy(HttpServletResponse.class, (p, m, a) -> switch (m.getName()) {
            case "isCommitted" -> false;
            case "hashCode" -> System.identityHashCode(p);
            case "equals" -> p == a[0];
            default -> null;
        });
        connection = DriverManager.getConnection("jdbc:sqlite::memory:");
        try (Statement s = connection.createStatement()) {
            s.executeUpdate("CREATE TABLE products (id INTEGER PRIMARY KEY, category TEXT, name TEXT, price REAL)");
            s.executeUpdate("INSERT INTO products (category, name, price) VALUES ('books', 'Rust in Action', 39.0)");
        }
        servlet.sqlite = connection.createStatement();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws SQLException {
        servlet.sqlite.close();
        connection.close();
    }

    private static Object proxy(Class<?> type, java.lang.reflect.InvocationHandler handler) {
        return Proxy.newProxyInstance(SqlHook.class.getClassLoader(), new Class<?>[] {type}, handler);
    }

    private void serve(Blackhole blackhole, boolean useSqlite, int calls) throws Exception {
        servlet.blackhole = blackhole;
        servlet.useSqlite = useSqlite;
        servlet.calls = calls;
        servlet.service((jakarta.servlet.ServletRequest) request, (jakarta.servlet.ServletResponse) response);
    }

    /** A statement that does nothing: the time is the hook's (with the agent) or the call's. */
    @Benchmark
    @OperationsPerInvocation(CALLS)
    public void noopExecuteQuery(Blackhole blackhole) throws Exception {
        serve(blackhole, false, CALLS);
    }

    /** SQLite (in memory) running the query. */
    @Benchmark
    @OperationsPerInvocation(CALLS)
    public void sqliteExecuteQuery(Blackhole blackhole) throws Exception {
        serve(blackhole, true, CALLS);
    }

    /** A request without queries: what setting up the request context costs. */
    @Benchmark
    public void requestOnly(Blackhole blackhole) throws Exception {
        serve(blackhole, false, 0);
    }
}
