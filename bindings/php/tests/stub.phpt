--TEST--
rampart.stub.php declares exactly the extension's functions and classes, with the same parameters
--FILE--
<?php
$ext = new ReflectionExtension('rampart');
$actual = [];
foreach ($ext->getFunctions() as $f) {
    $actual[] = strtolower($f->getName()) . '(' . implode(', ', array_map(fn($p) => '$' . $p->getName(), $f->getParameters())) . ')';
}
$classes = array_map('strtolower', $ext->getClassNames());
$stub = file_get_contents(__DIR__ . '/../rampart.stub.php');
preg_match_all('/^function (\w+)\(([^)]*)\)/m', $stub, $m, PREG_SET_ORDER);
$declared = [];
foreach ($m as [, $name, $params]) {
    preg_match_all('/\$\w+/', $params, $p);
    $declared[] = 'rampart\\' . strtolower($name) . '(' . implode(', ', $p[0]) . ')';
}
preg_match_all('/^class (\w+)/m', $stub, $c);
$declared_classes = array_map(fn($n) => 'rampart\\' . strtolower($n), $c[1]);
sort($actual); sort($declared); sort($classes); sort($declared_classes);
echo "only in the extension: ", implode(' ', array_diff($actual, $declared)), "\n";
echo "only in the stub: ", implode(' ', array_diff($declared, $actual)), "\n";
var_dump($classes === $declared_classes, count($actual));
?>
--EXPECT--
only in the extension: 
only in the stub: 
bool(true)
int(20)
