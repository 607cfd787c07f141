<?php
// A deliberately vulnerable shop, the demo of rampart's PHP extension. Every page below
// builds its sink call by concatenating request input: rampart reports or blocks the
// attacks, and leaves ordinary requests alone. Run it with:
//   php -d extension=bindings/php/modules/rampart.so -S 127.0.0.1:8080 examples/php-app/index.php
declare(strict_types=1);

$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);

function db(): SQLite3 {
    $db = new SQLite3(':memory:');
    $db->exec("CREATE TABLE users (name TEXT, password TEXT, tenant TEXT)");
    $db->exec("INSERT INTO users VALUES ('alice', 'secret', 'acme'), ('bob', 'hunter2', 'globex')");
    return $db;
}

function pdo(): PDO {
    $pdo = new PDO('sqlite::memory:');
    $pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
    $pdo->exec("CREATE TABLE users (name TEXT, password TEXT)");
    $pdo->exec("INSERT INTO users VALUES ('alice', 'secret')");
    return $pdo;
}

switch ($path) {
    case '/':
        echo "ok\n";
        break;

    case '/login': // form login, SQLite3
        $user = $_POST['user'] ?? '';
        $password = $_POST['password'] ?? '';
        $name = db()->querySingle("SELECT name FROM users WHERE name = '$user' AND password = '$password'");
        echo $name ? "welcome $name\n" : "invalid login\n";
        break;

    case '/api/login': // JSON login, PDO: the app reads the body itself
        $body = json_decode(file_get_contents('php://input'), true) ?? [];
        $user = $body['user'] ?? '';
        $password = $body['password'] ?? '';
        $row = pdo()->query("SELECT name FROM users WHERE name = '$user' AND password = '$password'")->fetch();
        header('Content-Type: application/json');
        echo json_encode(['user' => $row['name'] ?? null]), "\n";
        break;

    case '/search': // the tenant comes from a header
        $tenant = $_SERVER['HTTP_X_TENANT'] ?? 'acme';
        $q = $_GET['q'] ?? '';
        $res = db()->query("SELECT name FROM users WHERE tenant = '$tenant' AND name LIKE '%$q%'");
        while ($row = $res->fetchArray()) {
            echo $row['name'], "\n";
        }
        break;

    case '/ping':
        echo "<pre>", shell_exec('ping -c 1 -W 1 ' . ($_GET['host'] ?? '127.0.0.1') . ' 2>&1'), "</pre>\n";
        break;

    case '/download':
        header('Content-Type: text/plain');
        readfile(__DIR__ . '/files/' . ($_GET['file'] ?? 'report.txt'));
        break;

    case '/preview': // link preview: fetches whatever URL it is given
        echo "preview: ", file_get_contents($_GET['url'] ?? ''), "\n";
        break;

    case '/preview-curl':
        $ch = curl_init();
        curl_setopt($ch, CURLOPT_URL, $_GET['url'] ?? '');
        curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);
        echo "preview: ", curl_exec($ch), "\n";
        break;

    case '/upload': // keeps the client's file name
        $dir = sys_get_temp_dir() . '/rampart-shop-uploads/' . basename($_POST['album'] ?? 'default');
        @mkdir($dir, 0777, true);
        $file = $_FILES['photo'] ?? null;
        if ($file && move_uploaded_file($file['tmp_name'], "$dir/" . $file['name'])) {
            echo "stored {$file['name']}\n";
        } else {
            echo "no file\n";
        }
        break;

    case '/go':
        header('Location: ' . ($_GET['next'] ?? '/'));
        break;

    default:
        http_response_code(404);
        echo "not found\n";
}
