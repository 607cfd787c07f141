package dev.rampart.it;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * What the agent adds to one hooked {@code Statement.executeQuery}: a servlet on 127.0.0.1
 * times N queries on an in-memory SQLite database inside one HTTP request (with the
 * agent, each is checked against the request's inputs). Run it with and without
 * {@code -javaagent:rampart-agent.jar} and compare (docs/performance.md). Not a test.
 */
public final class SqlOverheadBench {
    private SqlOverheadBench() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new Timed(), "/products");
        server.setHandler(context);
        server.start();
        HttpClient client = HttpClient.newHttpClient();
        URI uri = URI.create("http://127.0.0.1:" + connector.getLocalPort()
                + "/products?category=books&q=rust+in+action&sort=price&page=2&n=" + n);
        for (int round = 0; round < 5; round++) {
            String body = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body();
            System.out.println("round " + round + ": " + body);
        }
        server.stop();
    }

    /** Has the JDBC signature and does nothing. */
    public static final class NullStatement {
        public ResultSet executeQuery(String sql) {
            return null;
        }
    }

    static final class Timed extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            int n = Integer.parseInt(req.getParameter("n"));
            String category = req.getParameter("category");
            try (Connection c = DriverManager.getConnection("jdbc:sqlite::memory:");
                    Statement s = c.createStatement()) {
                s.executeUpdate("CREATE TABLE products (id INTEGER PRIMARY KEY, category TEXT, name TEXT, price REAL)");
                s.executeUpdate("INSERT INTO products (category, name, price) VALUES ('books', 'Rust in Action', 39.0)");
                // The parameter occurs in the query, inside a literal: the check lexes it.
                String query = "SELECT id, name, price FROM products WHERE category = '" + category
                        + "' AND price < 100 ORDER BY price";
                long start = System.nanoTime();
                int rows = 0;
                for (int i = 0; i < n; i++) {
                    try (ResultSet r = s.executeQuery(query)) {
                        rows += r.next() ? 1 : 0;
                    }
                }
                long perCall = (System.nanoTime() - start) / n;
                // The hook alone: a statement that does nothing (the agent hooks it for its
                // JDBC signature), so the difference with and without the agent is rampart.
                NullStatement nothing = new NullStatement();
                for (int i = 0; i < n; i++) {
                    nothing.executeQuery(query);
                }
                start = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    nothing.executeQuery(query);
                }
                long hookOnly = (System.nanoTime() - start) / n;
                resp.getWriter().print(perCall + " ns per SQLite executeQuery (" + rows + " rows); " + hookOnly
                        + " ns per no-op executeQuery");
            } catch (SQLException e) {
                throw new IOException(e);
            }
        }
    }
}
