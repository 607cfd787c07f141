package dev.rampart.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.Part;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A deliberately vulnerable shop, written the way vulnerable Java is written: SQL built by
 * concatenation, a shell command built from a parameter, a download that joins a path, a
 * URL preview that fetches what the user names, a redirect to a parameter. It knows
 * nothing of rampart; the tests start it with {@code -javaagent}.
 *
 * <p>{@code java ShopApp DB_FILE FILES_DIR} serves on 127.0.0.1 and prints the port.
 */
public final class ShopApp {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        String db = "jdbc:sqlite:" + args[0];
        File files = new File(args[1]);
        try (Connection c = DriverManager.getConnection(db); Statement s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, email TEXT, password TEXT)");
            s.executeUpdate("DELETE FROM users");
            s.executeUpdate("INSERT INTO users (email, password) VALUES ('alice@shop.example', 's3cret')");
        }

        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new Login(db), "/login");
        context.addServlet(new ApiLogin(db), "/api/login");
        context.addServlet(new ApiLogin(db), "/api/signin");
        context.addServlet(new Ping(), "/ping");
        context.addServlet(new Download(files), "/download");
        context.addServlet(new Preview(), "/preview");
        context.addServlet(new Fetch(), "/fetch");
        context.addServlet(new Go(), "/go");
        context.addServlet(new Lang(), "/lang");
        context.addServlet(new Probe(), "/probe");
        context.addServlet(new Search(), "/search/*");
        context.addServlet(new Echo(), "/echo/*");
        context.addServlet(new Forward(), "/forward/*");
        context.addServlet(new Later(), "/later/*").setAsyncSupported(true);
        context.addServlet(new Upload(), "/upload").getRegistration()
                .setMultipartConfig(new MultipartConfigElement(files.getAbsolutePath(), 1 << 20, 2 << 20, 0));
        server.setHandler(context);
        server.start();
        System.out.println("listening on " + connector.getLocalPort());
        System.out.flush();
        server.join();
    }

    static String login(String db, String email, String password) throws SQLException {
        try (Connection c = DriverManager.getConnection(db); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT id, email FROM users WHERE email = '" + email
                        + "' AND password = '" + password + "'")) {
            return r.next() ? "welcome " + r.getString("email") : "invalid credentials";
        }
    }

    /** Form login: POST email, password. */
    static final class Login extends HttpServlet {
        private final String db;

        Login(String db) {
            this.db = db;
        }

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            try {
                resp.getWriter().print(login(db, req.getParameter("email"), req.getParameter("password")));
            } catch (SQLException e) {
                resp.setStatus(500);
                resp.getWriter().print("database error: " + e.getMessage());
            }
        }
    }

    /** JSON login: the body is read with Jackson from the request's stream. */
    static final class ApiLogin extends HttpServlet {
        private final String db;

        ApiLogin(String db) {
            this.db = db;
        }

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            JsonNode body = JSON.readTree(req.getInputStream());
            try {
                resp.setContentType("application/json");
                resp.getWriter().print(JSON.writeValueAsString(
                        login(db, body.path("email").asText(), body.path("password").asText())));
            } catch (SQLException e) {
                resp.setStatus(500);
                resp.getWriter().print("database error");
            }
        }
    }

    /** Ping a host: a shell command built from a parameter (echo stands in for ping). */
    static final class Ping extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            Process p = Runtime.getRuntime().exec(new String[] {"sh", "-c", "echo PING " + req.getParameter("host")});
            try (InputStream out = p.getInputStream()) {
                resp.getWriter().print(new String(out.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
    }

    /** Download a file of the shop's directory. */
    static final class Download extends HttpServlet {
        private final File dir;

        Download(File dir) {
            this.dir = dir;
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            try (InputStream in = new FileInputStream(new File(dir, req.getParameter("file")))) {
                resp.getOutputStream().write(in.readAllBytes());
            } catch (java.io.FileNotFoundException e) {
                resp.setStatus(404);
            }
        }
    }

    /** Link preview with java.net.http.HttpClient. */
    static final class Preview extends HttpServlet {
        private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(req.getParameter("url")))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                resp.getWriter().print("preview: " + r.body());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                resp.setStatus(500);
            }
        }
    }

    /** The same with URL.openConnection. */
    static final class Fetch extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            URL url = URI.create(req.getParameter("url")).toURL();
            try (InputStream in = url.openConnection().getInputStream()) {
                resp.getWriter().print("fetched: " + new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
    }

    /** Checks that a host answers on a port: a raw socket, no URL anywhere. */
    static final class Probe extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            try (java.net.Socket socket = new java.net.Socket()) {
                socket.connect(new java.net.InetSocketAddress(req.getParameter("host"),
                        Integer.parseInt(req.getParameter("port"))), 2000);
                resp.getWriter().print("open");
            }
        }
    }

    /** Remembers the visitor's language in a response header. */
    static final class Lang extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setHeader("Content-Language", req.getParameter("lang"));
            resp.getWriter().print("ok");
        }
    }

    /**
     * Search results: the query reaches no sink (the page only counts how many searches
     * this process served, so that a test can tell whether the servlet ran).
     */
    static final class Search extends HttpServlet {
        private final java.util.concurrent.atomic.AtomicInteger served = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.getWriter().print("results for " + req.getParameter("q") + " (search " + served.incrementAndGet() + ")");
        }
    }

    /** Hands the request to the search page (a forward: the same request, dispatched again). */
    static final class Forward extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException,
                jakarta.servlet.ServletException {
            req.getRequestDispatcher("/search/forwarded").forward(req, resp);
        }
    }

    /** Answers from the search page later, through an async dispatch on another thread. */
    static final class Later extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
            jakarta.servlet.AsyncContext async = req.startAsync();
            async.start(() -> async.dispatch("/search/later"));
        }
    }

    /** Echoes a urlencoded body read raw from the request's stream, and two of its fields. */
    static final class Echo extends HttpServlet {
        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String raw = new String(req.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            resp.getWriter().print("echo " + raw + " [from=" + String.join(",", req.getParameterValues("from"))
                    + " b=" + req.getParameter("b") + "]");
        }
    }

    /** Avatar upload (multipart): stores nothing, says what it got. */
    static final class Upload extends HttpServlet {
        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException,
                jakarta.servlet.ServletException {
            Part avatar = req.getPart("avatar");
            resp.getWriter().print("stored " + avatar.getSubmittedFileName() + " (" + avatar.getSize() + " bytes) for "
                    + req.getParameter("user"));
        }
    }

    /** Redirect after login to where the parameter says. */
    static final class Go extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.sendRedirect(req.getParameter("next"));
        }
    }
}
